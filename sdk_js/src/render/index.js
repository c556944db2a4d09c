// The renderer: the only part of the SDK that touches a guide's DOM. The core calls it
// through this interface (sdk_js/README.md, "Renderer interface").
//
// DOM the tests can rely on (inside the open shadow root of <div data-shirube-root>):
//   data-testid=shirube-guide    a step's card (role=dialog; data-guide-key, data-step, data-kind
//                                modal|tooltip|hotspot|checklist; data-placement once anchored),
//                                also the checklist panel
//   shirube-next / -back / -done / -close / -later   its buttons (Esc = close, ArrowRight/Left
//                                = next/back when focus is in the card)
//   shirube-arrow, shirube-backdrop (svg), shirube-hotspot (beacon button, aria-expanded),
//   shirube-banner (role=region, data-pos top|bottom), shirube-checklist-launcher,
//   shirube-checklist-item (aria-pressed, data-done once ticked)
//   survey guides: the card with data-kind=survey and the shirube-survey-* ids (survey.js)
// Beyond the README: controller.notify(eventName) (checklist complete_event, advance "event")
// and show(guide, {done: [item indexes]}) for a checklist's already ticked items.
//
// The host element is made immune to the page's CSS by inline `!important` declarations
// (they beat any author stylesheet, even `* {all: revert !important}`), and is lifted into
// the top layer with the Popover API so no page z-index can cover it.
// First the stylesheet text, then Floating UI (through tour.js), then the rest of our code:
// that order compresses best (~230 B less gzip than the alphabetical one).
import { CSS } from './css.js';
import { runGuide } from './tour.js';
import { runChecklist } from './checklist.js';
import { runSurveyLazy } from './survey-lazy.js';
import { h } from './ui.js';

/**
 * Called once the SDK has started (a frame after init, before the bootstrap request is
 * sent: api.js): looks up the card's fonts (system-ui at the
 * sizes css.js uses) through a canvas, so the first card's layout finds them in the font
 * cache (on Linux each lookup is an IPC to the browser: 3-10 ms cold).
 */
export var warmFonts = () => {
  try {
    var c = h('canvas').getContext('2d');
    for (var f of ['14px', 'bold 16px', '20px']) (c.font = f + ' system-ui,sans-serif'), c.measureText('A');
  } catch (e) { /* no canvas: the first layout looks them up */ }
};

/** settings.theme keys; each sets the custom property --<first letter> (css.js). */
var THEME = ['primary', 'text', 'background', 'radius', 'font'];

/**
 * Create a renderer. Guides render inside one shadow-root host, created on first show
 * and removed when the last guide ends.
 * @param {{theme?: object, nonce?: string, zIndex: number, log: {error: Function}}} cfg log.error(msg, err) reports failures
 * @returns {{show: Function, destroyAll: () => void, setTheme: (theme: object) => void}}
 */
export function createRenderer(cfg) {
  var log = cfg.log;
  var host = null;
  var live = [];
  var theme = () => {
    var t = cfg.theme || {};
    // An empty value removes the property (CSSOM setProperty).
    if (host) THEME.forEach((k) => host.el.style.setProperty('--' + k[0], t[k] || '', 'important'));
  };

  /** The `<div data-shirube-root>` with its open shadow root and stylesheet. */
  var createHost = () => {
    var el = h('div', { 'data-shirube-root': '' });
    var root = el.attachShadow({ mode: 'open' });
    var sheet = root.adoptedStyleSheets && new CSSStyleSheet();
    var doc;
    // `all: initial` first (inherited fonts, colours, the popover's UA box... reset), then what the host needs.
    el.style.cssText = ('all:initial;display:block;position:fixed;top:0;left:0;width:0;height:0;pointer-events:none;z-index:' +
      cfg.zIndex).replace(/;|$/g, '!important;');
    if (sheet) {
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      // The one thing page CSS can still reach: the top-layer ::backdrop (`::backdrop {…}` rules).
      (doc = new CSSStyleSheet()).replaceSync('[data-shirube-root]::backdrop{display:none!important}');
    } else {
      // Engines without constructable stylesheets: a <style>, accepted by a strict CSP via the nonce.
      root.append(h('style', { nonce: cfg.nonce || null }, CSS));
    }
    if (el.showPopover) el.setAttribute('popover', 'manual');
    host = { el: el, root: root, doc: doc };
    theme();
  };

  return {
    /**
     * Show `guide` (its locale already merged into its steps).
     * @param {object} guide a bootstrap guide
     * @param {{startStep?: number, strings?: object, targetWaitMs?: number,
     *   emit: (type: string, data: {step: number|null, properties: object}) => void,
     *   onEnd: (reason: string) => void, done?: number[]}} opts
     *   done: checklist item indexes already ticked
     * @returns {{destroy: () => void, step: () => number,
     *   notify: (eventName: string) => void}} notify: a tracked event happened (ticks
     *   checklist items by complete_event, advances a step whose advance is "event")
     */
    show: (guide, opts) => {
      var e = {};
      var ds = document.adoptedStyleSheets;
      if (!host) createHost();
      var el = host.el;
      // (Re)attach, and move above top-layer elements the page opened since (never while a
      // guide holds focus: hiding would move it).
      if (!el.isConnected) document.body.append(el);
      if (host.doc && !ds.includes(host.doc)) document.adoptedStyleSheets = ds.concat(host.doc);
      try {
        if (el.showPopover && document.activeElement != el) {
          if (el.matches(':popover-open')) el.hidePopover();
          el.showPopover();
        }
      } catch (e) { /* the z-index still applies */ }
      // The runners call onEnd on every teardown: with no reason (pause, destroy()) silently, and once.
      var onEnd = (reason) => {
        live.splice(live.indexOf(e) >>> 0, 1);
        if (!live.length && host) {
          el.remove();
          document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s != host.doc);
          host = null;
        }
        if (reason) opts.onEnd(reason);
      };
      live.push(e);
      try {
        // opts as the prototype: the runner sees the core's options with this onEnd.
        // Surveys: their renderer is a lazy chunk (survey-lazy.js), fetched from cfg.host.
        e.c = (guide.type == 'checklist' ? runChecklist : guide.type == 'survey' ? runSurveyLazy : runGuide)(host, guide, { __proto__: opts, onEnd: onEnd, log: log }, cfg);
      } catch (x) {
        onEnd();
        throw x;
      }
      return e.c;
    },
    destroyAll: () => {
      live.slice().forEach((x) => {
        try {
          x.c && x.c.destroy();
        } catch (e) { /* keep going */ }
      });
    },
    setTheme: (t) => {
      cfg.theme = t;
      theme();
    },
  };
}
