// A tiny DOM for the builder's selector tests: elements built from nested arrays, and a
// querySelectorAll for the selector subset the builder writes (tag, #id, .class,
// [attr] / [attr="v"], :nth-of-type(n); descendant " " and child " > " combinators).

/** h('button', {id: 'x', class: 'a b', 'data-testid': 't'}, ...children) */
export function h(tagName, attrs = {}, ...children) {
  const el = {
    tagName: tagName.toUpperCase(),
    attributes: Object.entries(attrs).map(([name, value]) => ({ name, value: String(value) })),
    children: [],
    parentElement: null,
    textContent: '',
    getAttribute(n) { const a = this.attributes.find((x) => x.name === n); return a ? a.value : null; },
  };
  el.id = el.getAttribute('id') || '';
  for (const c of children) {
    if (typeof c === 'string') el.textContent += c;
    else { c.parentElement = el; el.children.push(c); el.textContent += c.textContent; }
  }
  return el;
}

function unescape(s) {
  return s.replace(/\\3(\d) /g, '$1').replace(/\\(.)/g, '$1');
}

function parseCompound(src) {
  const re = /^([a-z0-9]+|\*)?((?:#(?:\\.|[\w-])+|\.(?:\\.|[\w-])+|\[[\w-]+(?:="(?:\\.|[^"\\])*")?\]|:nth-of-type\(\d+\))*)$/;
  const m = re.exec(src);
  if (!m) throw new SyntaxError('unsupported selector part: ' + src);
  const parts = [];
  const rest = m[2];
  const tok = /#((?:\\.|[\w-])+)|\.((?:\\.|[\w-])+)|\[([\w-]+)(?:="((?:\\.|[^"\\])*)")?\]|:nth-of-type\((\d+)\)/g;
  let t;
  while ((t = tok.exec(rest))) {
    if (t[1]) parts.push({ id: unescape(t[1]) });
    else if (t[2]) parts.push({ cls: unescape(t[2]) });
    else if (t[3]) parts.push({ attr: t[3], value: t[4] === undefined ? null : t[4].replace(/\\(.)/g, '$1') });
    else parts.push({ nth: Number(t[5]) });
  }
  return { tag: m[1] && m[1] !== '*' ? m[1].toUpperCase() : null, parts };
}

function matchesCompound(el, c) {
  if (c.tag && el.tagName !== c.tag) return false;
  return c.parts.every((p) => {
    if (p.id) return el.id === p.id;
    if (p.cls) return (el.getAttribute('class') || '').split(/\s+/).includes(p.cls);
    if (p.attr) { const v = el.getAttribute(p.attr); return v !== null && (p.value === null || v === p.value); }
    const sibs = el.parentElement ? el.parentElement.children.filter((s) => s.tagName === el.tagName) : [el];
    return sibs.indexOf(el) + 1 === p.nth;
  });
}

function parse(selector) {
  // [{compound, comb}] right to left; comb is how it relates to the next one on its left.
  const tokens = [];
  let cur = '';
  let inBracket = false;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '\\') { cur += ch + selector[++i]; continue; }
    if (ch === '[') inBracket = true;
    if (ch === ']') inBracket = false;
    if (!inBracket && (ch === ' ' || ch === '>')) {
      if (cur) tokens.push(cur);
      cur = '';
      if (ch === '>') tokens.push('>');
      continue;
    }
    cur += ch;
  }
  if (cur) tokens.push(cur);
  const steps = [];
  let comb = null;
  for (const t of tokens) {
    if (t === '>') { comb = '>'; continue; }
    steps.push({ c: parseCompound(t), comb: steps.length ? comb || ' ' : null });
    comb = null;
  }
  return steps;
}

function matches(el, steps, i = steps.length - 1) {
  if (!matchesCompound(el, steps[i].c)) return false;
  if (i === 0) return true;
  if (steps[i].comb === '>') return !!el.parentElement && matches(el.parentElement, steps, i - 1);
  for (let p = el.parentElement; p; p = p.parentElement) if (matches(p, steps, i - 1)) return true;
  return false;
}

function all(root) {
  const out = [root];
  for (const c of root.children) out.push(...all(c));
  return out;
}

/** A document around an <html> element: querySelectorAll + count. */
export function doc(html) {
  return {
    html,
    querySelectorAll(sel) { const steps = parse(sel); return all(html).filter((e) => matches(e, steps)); },
    count(sel) { try { return this.querySelectorAll(sel).length; } catch (e) { return 0; } },
  };
}
