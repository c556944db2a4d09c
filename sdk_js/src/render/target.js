// Resolve a step target ({selectors, text, strictness} or a plain selector) to an
// element of the page, waiting a bounded time for elements that appear late.

/**
 * Normalise a step target: a string is one selector with "normal" strictness.
 * @returns {{selectors: string[], text?: string|null, strictness?: string}|null}
 */
export function norm(t) {
  return typeof t == 'string' ? { selectors: [t] } : t && t.selectors ? t : null;
}

/** Text as compared with a target's `text`: whitespace runs squashed, trimmed, lower case. */
export var squash = (s) => { return String(s || '').replace(/\s+/g, ' ').trim().toLowerCase(); };

/**
 * Pick the target element (pure: the DOM is reached through the three functions).
 * - strict: the first selector must match exactly one element;
 * - normal: the first candidate (in selector order) that matches, containing `text` if given;
 * - loose: the first candidate that matches anything.
 * Only visible elements count.
 * @param {{selectors: string[], text?: string|null, strictness?: string}} t
 * @param {(sel: string) => ArrayLike<Element>} all   querySelectorAll, [] for an invalid selector
 * @param {(el: Element) => boolean} visible
 * @param {(el: Element) => string} textOf
 * @returns {Element|null}
 */
export function pick(t, all, visible, textOf) {
  var want = t.strictness != 'loose' && squash(t.text);
  var ok = (el) => { return visible(el) && (!want || squash(textOf(el)).includes(want)); };
  var sels = t.selectors || [];
  if (t.strictness == 'strict') {
    var l = sels.length ? all(sels[0]) : [];
    return l.length == 1 && ok(l[0]) ? l[0] : null;
  }
  for (var i = 0; i < sels.length; i++) {
    l = all(sels[i]);
    for (var j = 0; j < l.length; j++) if (ok(l[j])) return l[j];
  }
  return null;
}

function all(sel) {
  try {
    return document.querySelectorAll(sel);
  } catch (e) {
    return []; // invalid selector: ignored
  }
}

/** Rendered with a box and not visibility:hidden (display:none gives no box). */
export function visible(el) {
  var r = el.getBoundingClientRect();
  return (r.width > 0 || r.height > 0) && getComputedStyle(el).visibility != 'hidden';
}

/** Find the target now, or null. */
export function find(t) {
  return pick(t, all, visible, (el) => { return el.textContent; });
}

/**
 * Wait up to `ms` for target `t` (none: resolves null at once): checks now, then every
 * 100 ms (elements appear by DOM changes and by CSS alone). The poll lives on disposer `d`.
 * @param {object} d the step's disposer
 * @param {object|false|null} t normalised target
 * @param {number} ms
 * @returns {Promise<Element|null>}
 */
export function waitFor(d, t, ms) {
  return new Promise((res) => {
    var el = t && find(t);
    var until = Date.now() + ms;
    if (el || !t || !(ms > 0)) return res(el);
    var id = d.setInterval(() => {
      el = find(t);
      if (el || Date.now() > until) {
        clearInterval(id);
        res(el);
      }
    }, 100);
  });
}
