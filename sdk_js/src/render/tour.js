// Runs a guide as a sequence of steps: modal, tooltip, tour, hotspot, banner and (for
// now) survey guides are all this one loop. A modal is a step without a target, a
// tooltip a step anchored to one; a tour adds progress, Back/Next and an optional
// backdrop with a cut-out. Each step lives on its own disposer inside the guide's.
// First: the bundle then starts with Floating UI and keeps our code in one run (~190 B less gzip).
import { activeEl, anchor, beacon, card, focus, keys } from './ui.js';
import { createDisposer } from '../disposer.js';
import { matchUrl } from '../url.js';
import { backdrop } from './backdrop.js';
import { norm, waitFor } from './target.js';

/**
 * Show guide `g` in `host` from `o.startStep`. See render/index.js for the options.
 * @returns {{destroy: () => void, step: () => number, notify: (name: string) => void}}
 */
export function runGuide(host, g, o) {
  var steps = g.steps || [];
  var n = steps.length;
  var d = createDisposer();
  var prev = activeEl();
  var cur = -1;
  var sd; // the current step's disposer
  var box; // the current card, for keyboard handling
  var trap;
  var seen = -1; // the last step reported seen
  var bd; // the backdrop, kept across steps
  var emit = (type, i, props) => o.emit(type, { step: i, properties: props }); // the core defaults properties
  /** Teardown: DOM, listeners, observers, timers; focus back where it was. No reason: silent. */
  var stop = (reason) => {
    if (d.disposed) return;
    d.dispose();
    var a = document.activeElement;
    if (prev && prev.isConnected && (!a || a == document.body || a == host.el)) focus(prev);
    o.onEnd(reason);
  };
  var end = (type, reason) => {
    if (!d.disposed) emit(type, cur);
    stop(reason);
  };
  var next = () => {
    if (d.disposed) return;
    emit('step_completed', cur);
    cur < n - 1 ? go(cur + 1, 1) : end('guide_completed', 'completed');
  };

  function go(i, dir) {
    var st = steps[i];
    if (d.disposed || !st) return;
    if (st.url && !matchUrl(st.url, location)) {
      // Multi-page tour: the core resumes at step i when the page matches (README).
      emit('__pause', i);
      return stop();
    }
    if (sd) sd.dispose();
    var s = (sd = createDisposer());
    d.add(s.dispose);
    cur = i;
    box = null;
    var kind = st.kind;
    var t = (kind == 'tooltip' || kind == 'hotspot') && norm(st.target);
    if (kind != 'banner' && !t) kind = 'modal'; // modal, survey kinds, or a targetless tooltip
    waitFor(s, t, o.targetWaitMs)
      .then((el) => {
        if (s.disposed) return;
        if (!t || el) return show(s, st, i, kind, el, () => go(i, dir));
        emit('guide_target_missing', i, { reason: 'not_found', selectors: t.selectors, url: location.href });
        var j = i + dir;
        j >= 0 && j < n ? go(j, dir) : stop('target_missing');
      })
      .catch((e) => {
        // Never into the host page; the core treats the guide as unshowable for this page view.
        o.log.error('rendering guide "' + g.key + '" failed', e);
        stop('target_missing');
      });
  }

  /** Render step i; `lost` re-resolves the target when the page replaced the element. */
  function show(s, st, i, kind, el, lost) {
    var adv = st.advance || 'next_button';
    var dim = g.backdrop && kind != 'banner' && kind != 'hotspot';
    // Trap focus in modals and backdrop steps, unless the user must reach the target.
    trap = kind == 'modal' || (dim && adv != 'target_click');
    var b = card(s, g, kind, {
      i: i, n: n, S: o.strings, title: st.title_html, body: st.body_html, pos: kind == 'banner' && st.position,
      modal: trap,
      close: () => end('guide_dismissed', 'dismissed'),
      back: () => cur > 0 && go(cur - 1, -1),
      next: adv == 'next_button' && (kind != 'banner' || n > 1) && next,
      later: seen < 0 && /^(modal|tour|survey)$/.test(g.type) && g.snooze !== false && (() => end('guide_snoozed', 'snoozed')),
    });
    var visible = () => {
      if (seen < 0) emit('guide_seen', i);
      if (seen != i) emit('step_seen', i);
      seen = i;
    };
    if (adv == 'target_click' && el) s.listen(el, 'click', next);
    if (bd && !dim) {
      bd.el.remove();
      bd = null;
    }
    if (dim && !bd) {
      var svg = (bd = backdrop(host.root)).el;
      d.add(() => svg.remove());
    }
    s.add(() => b.remove());
    if (kind == 'banner') {
      host.root.append(b);
      return visible();
    }
    if (el) {
      var r = el.getBoundingClientRect();
      if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) el.scrollIntoView({ block: 'center' });
    }
    // Resolves once the card is placed (in the microtasks of this task: before the first
    // frame): then it is visible and takes focus.
    var open = (c) => {
      host.root.append(b);
      return (el ? anchor(c, el, b, st.placement, bd && bd.hole, lost) : Promise.resolve(bd && bd.hole())).then(() => {
        if (c.disposed) return;
        box = b;
        focus(b.querySelector('[data-testid=shirube-next],[data-testid=shirube-done]') || b);
      });
    };
    if (kind != 'hotspot') return open(s).then(() => s.disposed || visible());
    var cd; // the open card's disposer
    var bt = beacon(s, host.root, g, i, el, (b.querySelector('h2') || {}).textContent || g.name, lost, (on) => {
      if (cd) cd.dispose();
      box = null;
      b.remove();
      if (!on) return focus(bt);
      s.add((cd = createDisposer()).dispose);
      open(cd);
    });
    visible();
  }

  keys(d, () => box, () => trap);
  go(o.startStep > 0 && o.startStep < n ? o.startStep : 0, 1);
  return {
    destroy: () => stop(),
    step: () => cur,
    /** A tracked event happened: advances a step whose `advance` is "event" on that name. */
    notify: (name) => {
      var st = steps[cur];
      if (st && st.advance == 'event' && st.advance_event == name) next();
    },
  };
}
