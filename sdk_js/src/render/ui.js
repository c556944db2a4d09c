// The pieces every guide type shares: element/button builders, the one card (modal,
// tooltip, tour step, hotspot popup, banner, checklist panel), anchoring to a target with
// floating-ui, the hotspot beacon, and keyboard/focus handling.
import { autoUpdate } from '@floating-ui/dom';
import { isWebKit } from '@floating-ui/utils/dom';
import { arrow, computePosition, flip, offset, shift } from '@floating-ui/core';
import { fragment } from './content.js';

var uid = 0;

/**
 * An element with attributes (null/false values skipped; key `t` is the data-testid
 * "shirube-<t>") and optional text.
 * @returns {HTMLElement}
 */
export var h = (tag, attrs, text) => {
  var el = document.createElement(tag);
  for (var k in attrs) if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k == 't' ? 'data-testid' : k, (k == 't' ? 'shirube-' : '') + attrs[k]);
  if (text != null) el.textContent = text;
  return el;
};

/** A real <button> with a data-testid, more attributes `at`, and a click handler on disposer `d`. */
export var btn = (d, id, text, fn, label, at) => {
  var b = h('button', { type: 'button', t: id, 'aria-label': label, ...at }, text);
  d.listen(b, 'click', fn);
  return b;
};

/**
 * The card: close button, title (`o.title`) and body (`o.body`) — sanitised author HTML or
 * a node — wired to aria-labelledby/-describedby, then when `o.n` is set a footer with
 * progress and [later] [back] [next|done]. A dialog, or for kind "banner" a region fixed to
 * an edge that pushes nothing around and takes no focus.
 * @param {object} d disposer
 * @param {object} o {i, n, S (strings), title, body, pos, close, later, back, next, modal}
 * @returns {HTMLElement}
 */
export function card(d, g, kind, o) {
  var ban = kind == 'banner';
  var id = 'sh' + ++uid;
  var S = o.S;
  var box = h('div', {
    t: ban ? 'banner' : 'guide', id: id, 'data-guide-key': g.key, 'data-step': o.i, 'data-kind': kind,
    'data-pos': o.pos, role: ban ? 'region' : 'dialog', 'aria-modal': o.modal && 'true', tabindex: !ban && -1,
    'aria-label': g.name, // aria-labelledby wins when there is a title
  });
  box.append(btn(d, 'close', '\u00d7', o.close, S.close));
  [['h2', 't', 'labelledby', o.title], ['div', 'b', 'describedby', o.body]].forEach((x) => {
    if (!x[3]) return;
    var e = h(x[0], { id: id + x[1] });
    e.append(x[3].nodeType ? x[3] : fragment(x[3]));
    box.append(e);
    box.setAttribute('aria-' + x[2], e.id);
  });
  if (o.n) {
    var f = h('div', { 'data-f': '' });
    var b = (k, fn) => btn(d, k, S[k], fn || o[k]); // a footer button: its strings and option share the name
    f.append(h('span', null, o.n > 1 ? S.stepOf(o.i + 1, o.n) : ''));
    if (o.later) f.append(b('later'));
    if (o.back && o.i) f.append(b('back'));
    if (o.next) f.append(b(o.i < o.n - 1 ? 'next' : 'done', o.next));
    box.append(f);
  }
  return box;
}

/**
 * Call `fn` once now — so a card is placed before it is first painted — then (at most
 * once per frame) whenever `ref` or `fl` may have moved (floating-ui's autoUpdate: scroll,
 * resize, layout shifts); `lost` instead when `ref` left the document.
 */
function follow(d, ref, fl, fn, lost) {
  var raf = 0;
  var run = () => {
    raf = 0;
    // The page re-rendered and dropped the target: find it again rather than float at 0,0.
    if (!d.disposed) ref.isConnected ? fn() : lost && lost();
  };
  var first = 1;
  d.add(() => cancelAnimationFrame(raf));
  // autoUpdate calls back once at once, synchronously: that one runs now, the rest per frame.
  d.add(autoUpdate(ref, fl, () => (first ? ((first = 0), run()) : (raf = raf || requestAnimationFrame(run)))));
}

/**
 * Floating UI's platform for where a card always is: position fixed, in a host fixed at 0,0
 * in the top layer, so its containing block is the viewport. What @floating-ui/dom works out
 * for that case: the reference's rect is its client rect (in WebKit plus the visual
 * viewport's offset), the clipping rect is the visual viewport, sizes are CSS sizes. It
 * defines none of the platform's optional methods: the bundle is folded on that (fold.mjs).
 */
export var platform = {
  getElementRects: (e) => {
    var r = e.reference.getBoundingClientRect();
    var v = visualViewport;
    var w = isWebKit() && v;
    return { reference: { x: r.left + (w ? v.offsetLeft : 0), y: r.top + (w ? v.offsetTop : 0), width: r.width, height: r.height }, floating: { x: 0, y: 0, ...platform.getDimensions(e.floating) } };
  },
  getClippingRect: () => {
    var v = visualViewport;
    return { x: v.offsetLeft, y: v.offsetTop, width: v.width, height: v.height };
  },
  getDimensions: (el) => ({ width: el.offsetWidth, height: el.offsetHeight }),
};

/**
 * The middleware every card is placed with, `ar` its arrow. No room on either side (a narrow
 * phone): fall back to below/above. A target taller than the viewport leaves no room at all:
 * shift on both axes keeps the card on screen. The bundle's Floating UI is folded to exactly
 * these options (fold.mjs; test/fold.test.mjs compares it with the library as published).
 */
export var middleware = (ar) => [offset(12), flip({ padding: 8, crossAxis: false, fallbackAxisSideDirection: 'end' }), shift({ padding: 8, crossAxis: true }), arrow({ element: ar, padding: 8 })];

var px = (s, k, v) => { s.setProperty(k, Math.round(v) + 'px'); };
var SIDE = { top: 'bottom', right: 'left', bottom: 'top', left: 'right' };

/**
 * Position `box` (already in the shadow root, hidden until placed) next to `ref` with an
 * arrow, with floating-ui; `also(rect)` runs on every update (the backdrop's cut-out).
 * The first placement starts in the task that creates the card and settles in its
 * microtasks (computePosition's work is synchronous behind its promise), so the first
 * frame already shows the card in place.
 * @returns {Promise<void>} resolves after the first placement
 */
export function anchor(d, ref, box, placement, also, lost) {
  var ar = h('div', { t: 'arrow' });
  var s = box.style;
  box.append(ar);
  d.add(() => ar.remove()); // a hotspot's card is anchored again on each open
  s.setProperty('visibility', 'hidden');
  return new Promise((res) => {
    follow(d, ref, box, () => {
      if (also) also(ref.getBoundingClientRect());
      computePosition(ref, box, {
        strategy: 'fixed',
        platform: platform,
        placement: placement || 'bottom',
        middleware: middleware(ar),
      }).then((p) => {
        if (d.disposed) return;
        var a = p.middlewareData.arrow;
        var as = ar.style;
        px(s, 'left', p.x);
        px(s, 'top', p.y);
        s.removeProperty('visibility');
        box.setAttribute('data-placement', p.placement);
        as.cssText = '';
        if (a.x != null) px(as, 'left', a.x);
        if (a.y != null) px(as, 'top', a.y);
        px(as, SIDE[p.placement.split('-')[0]], -5);
        res();
      }, res);
    }, lost);
  });
}

/**
 * A hotspot's pulsing beacon on the target's top-right corner (a real button: click,
 * Enter, Space); `toggle(open)` on each press.
 * @returns {HTMLButtonElement}
 */
export function beacon(d, root, g, i, el, label, lost, toggle) {
  var open = false;
  var b = btn(d, 'hotspot', null, () => {
    b.setAttribute('aria-expanded', (open = !open));
    toggle(open);
  }, label, { 'data-guide-key': g.key, 'data-step': i, 'aria-expanded': 'false' });
  var s = b.style;
  root.append(b);
  d.add(() => b.remove());
  follow(d, el, b, () => {
    var r = el.getBoundingClientRect();
    px(s, 'left', r.right - 10);
    px(s, 'top', r.top - 6);
  }, lost);
  return b;
}

/** The focused element, looking through open shadow roots. */
export function activeEl() {
  var a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** Focus `el` without scrolling (a detached element is ignored). */
export var focus = (el) => {
  try { el.focus({ preventScroll: true }); } catch (e) { /* detached */ }
};

var KEYS = { Escape: 'close', ArrowRight: 'next', ArrowLeft: 'back' };

/**
 * Keyboard handling for a guide whose current card is `box()` (null while none is shown):
 * Esc presses its close button, ArrowRight/ArrowLeft (focus inside) its next/back button,
 * and Tab cycles inside it when `trap()` says so (modals, backdrop tours).
 */
export function keys(d, box, trap) {
  d.listen(document, 'keydown', (e) => {
    var b = box();
    if (!b || e.defaultPrevented || e.isComposing) return;
    var inside = e.composedPath().includes(b);
    var id = KEYS[e.key];
    var q = id && (inside || id == 'close') && b.querySelector('[data-testid=shirube-' + id + ']');
    if (q) {
      e.preventDefault();
      q.click();
    } else if (e.key == 'Tab' && trap()) {
      var f = [...b.querySelectorAll('button,[href]')];
      var i = f.indexOf(activeEl());
      if (!inside || (e.shiftKey ? i <= 0 : i == f.length - 1)) {
        e.preventDefault();
        focus(f[e.shiftKey ? f.length - 1 : 0]); // a card always has its close button
      }
    }
  }, true);
}
