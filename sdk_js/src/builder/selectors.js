// Candidate selectors for an element the author picked, most durable first: data-*
// attributes, then the id, then stable classes, then a structural path. Pure: the DOM is
// read through the element's own properties (tagName, attributes, parentElement, children)
// and matches are counted by the `count(selector)` function the caller passes.

var PREFERRED = ['data-testid', 'data-test-id', 'data-test', 'data-cy', 'data-qa', 'data-tour', 'data-shirube', 'data-id', 'data-action', 'data-name'];
// Attributes that describe state or come from frameworks, not from the author's markup.
var SKIP_ATTR = /^data-(state|active|selected|disabled|highlighted|focus.*|hover.*|orientation|side|align|open|checked|value|index|headlessui-.*|radix-.*|reactid|reactroot|v-.*|shirube-root|shirube-builder|testing-.*)$/;
var STATE_CLASS = /^(active|selected|open|opened|closed|show|shown|hidden|hover|focus|focused|disabled|collapsed|expanded|current|visible|is-.*|has-.*|ng-.*)$/;
var MAX = 10;

/**
 * Is this class (or id) name machine-generated, so it will change with the next build?
 * CSS modules (`Button_root__x7Ab2`), emotion (`css-1a2b3c`), styled-components
 * (`sc-bdVaJa`, `kGxQfH`), styled-jsx (`jsx-123`), and any name with a part mixing
 * letters and digits that looks like a hash.
 * @param {string} name
 * @returns {boolean}
 */
export function isHashed(name) {
  if (!/^-?[A-Za-z_][\w-]*$/.test(name)) return true; // odd characters: tailwind variants, :r1:, …
  if (/^(css|sc|jsx|emotion|styled|svelte)-/.test(name)) return true;
  if (/^[a-zA-Z]{5,8}$/.test(name) && /[A-Z].*[A-Z]/.test(name.slice(1)) && /[a-z].*[a-z]/.test(name)) return true;
  var parts = name.split(/[-_]+/);
  for (var i = 0; i < parts.length; i++) {
    var p = parts[i];
    if (p.length >= 5 && /\d/.test(p) && /[a-zA-Z]/.test(p)) return true; // x7Ab2, 1a2b3c
    if (/\d{3,}/.test(p)) return true; // ember123, input-48213
  }
  // A BEM modifier-free suffix after "__" with upper and lower case letters: a hash.
  var m = /__([A-Za-z0-9]{5,})$/.exec(name);
  return !!(m && /[A-Z]/.test(m[1]) && /[a-z]/.test(m[1]));
}

/** CSS identifier escape (like CSS.escape, for the names we accept). */
export function ident(s) {
  return String(s).replace(/^(\d)/, '\\3$1 ').replace(/[^\w-]/g, function (c) { return '\\' + c; });
}

function quote(v) {
  return '"' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ') + '"';
}

function tag(el) {
  return String(el.tagName || '').toLowerCase();
}

function attrs(el) {
  var out = [];
  var list = el.attributes || [];
  for (var i = 0; i < list.length; i++) out.push({ name: list[i].name, value: list[i].value });
  return out;
}

/** Stable data-* attributes of `el` as selectors, preferred names first. */
function dataSelectors(el) {
  var found = attrs(el).filter(function (a) {
    return a.name.indexOf('data-') === 0 && !SKIP_ATTR.test(a.name) && !isHashed(a.name) &&
      a.value.length <= 80 && !(a.value && /\d{4,}|[0-9a-f]{8}-[0-9a-f]{4}/i.test(a.value));
  });
  found.sort(function (a, b) {
    var x = PREFERRED.indexOf(a.name);
    var y = PREFERRED.indexOf(b.name);
    return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || (a.name < b.name ? -1 : 1);
  });
  return found.map(function (a) { return '[' + a.name + (a.value ? '=' + quote(a.value) : '') + ']'; });
}

function stableId(el) {
  var id = el.id || (el.getAttribute && el.getAttribute('id'));
  return id && !isHashed(id) ? '#' + ident(id) : null;
}

/** The classes of `el` that are neither hashed nor state. */
export function stableClasses(el) {
  var raw = (el.getAttribute && el.getAttribute('class')) || '';
  return raw.split(/\s+/).filter(function (c) { return c && !isHashed(c) && !STATE_CLASS.test(c); });
}

/** The nearest ancestor (not `el`) with a unique id or data-* selector, and that selector. */
function anchorOf(el, count) {
  for (var p = el.parentElement; p && tag(p) !== 'html'; p = p.parentElement) {
    var own = [stableId(p)].concat(dataSelectors(p)).filter(Boolean);
    for (var i = 0; i < own.length; i++) if (count(own[i]) === 1) return { el: p, sel: own[i] };
    if (tag(p) === 'body') return { el: p, sel: 'body' };
  }
  return null;
}

function nthOfType(el) {
  var sibs = el.parentElement ? el.parentElement.children : [el];
  var n = 0;
  for (var i = 0; i < sibs.length; i++) {
    if (tag(sibs[i]) === tag(el)) n++;
    if (sibs[i] === el) break;
  }
  return tag(el) + ':nth-of-type(' + n + ')';
}

/**
 * A path of `tag:nth-of-type(n)` steps from the nearest uniquely identifiable ancestor
 * (or body) down to `el`: always matches exactly `el` while the structure stays.
 * @param {Element} el
 * @param {(sel: string) => number} count
 */
export function structuralPath(el, count) {
  var anchor = anchorOf(el, count);
  var parts = [];
  for (var n = el; n && n !== (anchor && anchor.el) && tag(n) !== 'html'; n = n.parentElement) parts.unshift(nthOfType(n));
  return (anchor ? anchor.sel + ' > ' : 'html > ') + parts.join(' > ');
}

/**
 * Candidate selectors for `el`, in the order the SDK should try them, each with how many
 * elements of the page it matches (the author sees these and picks).
 * @param {Element} el
 * @param {(sel: string) => number} count querySelectorAll(sel).length (0 for an invalid selector)
 * @returns {{selector: string, kind: 'data'|'id'|'class'|'path', count: number}[]}
 */
export function candidates(el, count) {
  var out = [];
  var seen = {};
  var add = function (selector, kind) {
    if (!selector || seen[selector] || out.length >= MAX) return;
    var c = count(selector);
    if (c < 1) return;
    seen[selector] = 1;
    out.push({ selector: selector, kind: kind, count: c });
  };
  var t = tag(el);
  var anchor = null;
  var scoped = function (sel) {
    anchor = anchor || anchorOf(el, count) || { sel: '' };
    return anchor.sel && anchor.sel !== 'body' ? anchor.sel + ' ' + sel : null;
  };
  dataSelectors(el).forEach(function (sel) {
    add(sel, 'data');
    if (count(sel) > 1) {
      add(t + sel, 'data');
      if (count(t + sel) > 1) add(scoped(t + sel), 'data');
    }
  });
  add(stableId(el), 'id');
  var classes = stableClasses(el).map(function (c) { return { c: c, n: count(t + '.' + ident(c)) }; })
    .filter(function (x) { return x.n > 0; })
    .sort(function (a, b) { return a.n - b.n; })
    .slice(0, 3);
  if (classes.length) {
    var sel = t;
    for (var i = 0; i < classes.length; i++) {
      sel += '.' + ident(classes[i].c);
      if (count(sel) === 1) break;
    }
    add(sel, 'class');
    if (count(sel) > 1) add(scoped(sel), 'class');
  }
  add(structuralPath(el, count), 'path');
  return out;
}

/**
 * The element's visible text, squashed and cut to 80 characters ('' when it has none or
 * it is too long to be a label).
 * @param {string} text textContent / innerText
 */
export function labelText(text) {
  var s = String(text || '').replace(/\s+/g, ' ').trim();
  return s.length > 80 ? '' : s;
}
