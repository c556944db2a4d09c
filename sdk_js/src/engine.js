// Ties targeting to rendering: after bootstrap and on every route change, trigger or
// custom event, decide which guides show, in which language, from which step.

import { createDisposer } from './disposer.js';
import { DAY, eligibleGuides, mergeState } from './eligibility.js';
import { uiStrings } from './i18n.js';
import { localizeGuide } from './locale.js';
import { safe } from './log.js';
import { armTrigger } from './triggers.js';
import { matchUrl } from './url.js';

var add = (list, k) => list.includes(k) || list.push(k);
/** Run `fn` in a task after the next frame, on disposer `d` (the unit tests give node a requestAnimationFrame). */
var nextFrame = (d, fn) => {
  var id = requestAnimationFrame(() => d.setTimeout(fn, 0));
  d.add(() => cancelAnimationFrame(id));
};

/**
 * @param {{log: any, key: string, local: any, session: any, createRenderer: Function,
 *   href: () => string, send: (type: string, fields: object) => void, fire: (name: string, data: object) => void}} o
 *   local/session: stores (see store.js) for localStorage / sessionStorage
 */
export function createEngine(o) {
  var log = o.log;
  var guides = [];
  var settings = {};
  var wanted = [];
  var user = null;
  var st = { g: {}, t: [] };
  var sess;
  var active = {};
  var missing = {};
  var waiters = [];
  var renderer;
  var arms = createDisposer();
  var pendingShow = [];
  var loaded;

  // localStorage (per user, long-lived) and sessionStorage (this browser session) keys.
  var sk = (x) => 'shirube_' + x + '_' + o.key + '_' + user;
  var save = () => {
    o.local.set(sk('s'), st);
    o.session.set(sk('x'), sess);
  };
  var gstate = (k) => (st.g[k] ||= {});
  var onError = log.error;
  var pause = (k, i) => {
    gstate(k).step = i;
    save();
    log(21, k, i); // paused at step
  };
    var eligible = () =>
    eligibleGuides(guides, st, {
      url: o.href(),
      now: Date.now(),
      session: sess,
      active: active,
      missing: missing,
      throttle: settings.throttle,
      onError: onError,
      log: log,
    });

  /**
   * Re-arm the triggers of every eligible guide (cancels pending ones). Of the guides due
   * at once (resumed, page_load), the first (highest priority) renders now and each other
   * one after the next frame: the first is painted sooner, and no one long task renders them all.
   */
  function evaluate() {
    arms.dispose();
    var a = (arms = createDisposer());
    var now = 1;
    var due = 0;
    waiters = [];
    if (!loaded) return;
    eligible().forEach((c) => {
      var k = c.guide.key;
      // Check again when it is due (another guide may have shown meanwhile, or the URL moved).
      var go = safe(() => {
        var x = eligible().find((x) => x.guide.key == k);
        x ? start(x) : log(18, k);
      }, log, 'trigger');
      var fire = () => (now && due++ ? nextFrame(a, go) : go());
      if (c.resume) return fire();
      log(19, k); // eligible; waiting for trigger
      armTrigger(c.guide.trigger, {
        disposer: a,
        log: log,
        fire: fire,
        onEvent: (name, fn) => {
          var w = { n: name, f: fn };
          waiters.push(w);
          a.add(() => (w.f = 0));
        },
      });
    });
    now = 0;
  }

  function start(c, manual) {
    var g = c.guide;
    var k = g.key;
    var loc = localizeGuide(g, wanted);
    var seenSent = c.resume;
    var ended;
    var entry = (active[k] = { interrupt: g.interrupt, guide: g });
    var end = () => {
      ended = 1;
      if (active[k] == entry) delete active[k];
    };
    var pub = (name) => o.fire('guide:' + name, { guide: k });
    log(20, k, c, manual, loc.lang); // showing from step
    var emit = safe((type, data) => {
      if (ended) return;
      var s = gstate(k);
      var now = Date.now();
      var step = data.step;
      // Next step lives on another page: remember where, resume there.
      if (type == '__pause') return end(), pause(k, step);
      if (type == 'guide_seen') {
        if (seenSent) return;
        seenSent = 1;
        s.seen = (s.seen | 0) + 1;
        s.last = now;
        s.dismissed = s.completed = false;
        add(sess.s, k);
        if (g.interrupt && !manual) st.t = st.t.filter((t) => now - t < DAY).concat(now);
        pub('shown');
      } else if (type == 'step_seen') {
        s.step = step | 0;
        o.fire('step:shown', { guide: k, step: step });
      } else if (type == 'step_completed' && g.type == 'checklist') {
        // Checklist items tick in any order; remember which, for the next page.
        add((s.done ||= []), step);
      } else if (type == 'guide_completed') {
        s.completed = true;
        s.step = 0;
        end();
        pub('completed');
      } else if (type == 'guide_dismissed') {
        s.dismissed = true;
        add(sess.d, k);
        end();
        pub('dismissed');
      } else if (type == 'guide_snoozed') {
        s.snoozed_until = Date.parse((data.properties || {}).until) || now + DAY;
        end();
      } else if (type == 'guide_target_missing') {
        missing[k] = 1;
        log(22, k, step); // target missing
      }
      save();
      data.guide = k; // send() fills in the rest (step null, properties {})
      o.send(type, data);
    }, log, 'emit');
    try {
      entry.ctrl = renderer.show(loc.guide, {
        startStep: c.step,
        strings: uiStrings(loc.lang),
        lang: loc.lang, // surveys: the answers' locale
        base: g, // surveys: single_choice answers as authored
        targetWaitMs: settings.target_wait_ms || 5000,
        done: gstate(k).done || [],
        emit: emit,
        onEnd: safe((reason) => {
          if (reason == 'target_missing') missing[k] = 1;
          log(23, k, reason); // ended
          end();
          // Something else may be waiting for the screen (non-manual ones still obey cooldown).
          setTimeout(safe(evaluate, log, 'evaluate'));
        }, log, 'onEnd'),
      });
    } catch (e) {
      end();
      log.error('rendering guide "' + k + '" failed', e);
    }
  }

  /** Remove every guide on screen (the renderer tears each one down). */
  function destroyAll() {
    active = {};
    if (renderer) renderer.destroyAll();
  }

  /** Manual show: no frequency, no throttle, no URL rule. */
  function show(key) {
    if (!loaded) return pendingShow.push(key);
    var g = guides.find((x) => x.key == key);
    if (!g) return log.error('show: no guide ' + key);
    if (active[key]) return log(24, key); // already showing
    start({ guide: g, step: 0 }, true);
  }

  return {
    /** A bootstrap response arrived for `userId`. */
    load: (resp, userId, langs) => {
      // Same user (group() re-bootstraps): what is on screen stays.
      if (userId != user) destroyAll();
      user = userId;
      wanted = langs;
      guides = resp.guides || [];
      settings = resp.settings || {};
      st = mergeState(o.local.get(sk('s')), guides);
      sess = o.session.get(sk('x')) || { d: [], s: [] };
      missing = {};
      var theme = settings.theme || {};
      if (renderer) renderer.setTheme(theme);
      else renderer = o.createRenderer({ theme: theme, zIndex: theme.z_index || 2147483000, log: log });
      loaded = 1;
      save();
      log(25, guides); // bootstrap: n guide(s)
      evaluate();
      pendingShow.splice(0).forEach(show);
    },
    /**
     * The URL changed (SPA navigation): pause guides whose step is not on this page, re-arm
     * triggers. Everything else on screen stays mounted; a checklist always (its step() is -1:
     * its items' urls say where they are done, not where it shows).
     */
    route: () => {
      missing = {};
      for (var k in active) {
        var a = active[k];
        var i = a.ctrl ? a.ctrl.step() : 0; // every controller has step()
        var s = a.guide.steps[i]; // none for a checklist (-1)
        if (s && s.url && !matchUrl(s.url, o.href(), onError)) {
          delete active[k];
          a.ctrl.destroy();
          pause(k, i);
        }
      }
      evaluate();
    },
    /** A track() call: fires `event` triggers waiting for that name, and tells open guides. */
    track: (name) => {
      waiters.slice().forEach((w) => w.f && w.n == name && w.f());
      // Open guides may advance on it (advance: event, checklist complete_event).
      for (var k in active) {
        var c = active[k].ctrl;
        if (c && c.notify) c.notify(name);
      }
    },
    show: show,
    /** Forget the user: remove every guide and trigger, wipe this user's local state (`wipe`). */
    stop: (wipe) => {
      destroyAll();
      arms.dispose();
      waiters = [];
      if (wipe && user) {
        o.local.del(sk('s'));
        o.session.del(sk('x'));
      }
      user = null;
      loaded = 0;
      guides = [];
      pendingShow = [];
    },
    state: () => ({ user: user, guides: guides.map((g) => g.key), active: Object.keys(active), local: st, session: sess }),
  };
}
