// The public API object behind `shirube(...)` / `shirube.method(...)`.
// Every entry point is wrapped: nothing the SDK does may throw into the host page.

// First: the bundle then starts with Floating UI and keeps our code in one run (~190 B less gzip).
import { createRenderer, warmFonts } from './render/index.js';
import { backoff, classify } from './backoff.js';
import { createDisposer } from './disposer.js';
import { createEngine } from './engine.js';
import { createFeatures } from './features.js';
import { createLog, safe } from './log.js';
import { extension } from './preview.js';
import { createRouter } from './router.js';
import { createStore } from './store.js';
import { createTransport } from './transport.js';
import { uuidv7 } from './uuid.js';

var PUBLIC_EVENTS = ['guide:shown', 'guide:completed', 'guide:dismissed', 'step:shown', 'ready'];

/**
 * Create one SDK instance (no side effects until `init`).
 * @param {{scriptSrc?: string}} [opts] scriptSrc: where the bundle was loaded from (default host)
 * @returns {Function & {init: Function, identify: Function, group: Function, track: Function, page: Function,
 *   show: Function, reset: Function, on: Function, off: Function, _debug: object}}
 */
export function createShirube(opts) {
  var log = createLog();
  var cfg, user, account, d, transport, engine, bootTimer, drainTimer, ready, started, routing;
  var pending = []; // events made before we know the user (or before init)
  var shows = []; // show() before init (then the engine keeps them until its bootstrap)
  var listeners = {};
  var bootSeq = 0;
  var feats; // feature tagging (features.js)
  var ext; // builder/preview mode (preview.js): its chunk runs instead of bootstrap

  var fire = (name, data) => (listeners[name] || []).slice().forEach((fn) => fn(data));
  var langs = () => [user && user.traits.locale, cfg && cfg.locale, navigator.language].filter(Boolean);

  /** Make an event now (id and timestamp are fixed at creation), queue it once the user is known. */
  function send(type, f) {
    pending.push({
      id: uuidv7(),
      type: type,
      guide: f.guide || null,
      step: f.step ?? null,
      name: f.name || null,
      properties: f.properties || {},
      timestamp: new Date().toISOString(),
    });
    soon();
  }
  /**
   * `fn` in a task after the page's next frame, or after 250 ms if no frame came (a hidden
   * page has none: its events must still reach storage, whatever happens to the tab). What
   * can wait goes there: the frame the page is busy with (its load, an app's own render
   * after a click or a route change) gets none of our work added to it. Truthy.
   */
  var later = (fn) => {
    var done;
    var go = () => done || ((done = 1), fn());
    requestAnimationFrame(() => d.setTimeout(go, 0));
    return d.setTimeout(go, 250);
  };
  // Stored after the frame (ids and timestamps are fixed already); pagehide drains at once.
  var soon = () => d && !drainTimer && (drainTimer = 1, later(safe(drain, log, 'queue')));
  function drain() {
    drainTimer = 0;
    if (!transport || !user || !pending.length) return;
    transport.enqueue(pending.splice(0).map((ev) => Object.assign(ev, { user_id: user.id, account_id: account ? account.id : null })));
  }

  var pageView = () => send('page_view', { properties: { url: location.href, title: document.title } });

  function scheduleBoot() {
    if (!cfg || !user || ext) return;
    // init + identify + group in one go make one request (and reset() may come first), sent
    // once the SDK has started (init).
    started.then(() => {
      clearTimeout(bootTimer);
      bootTimer = d.setTimeout(safe(() => user && !ext && boot(0, ++bootSeq), log, 'bootstrap'), 0);
    });
  }

  function boot(attempt, seq) {
    var u = user;
    // undefined: not sent (no signature, no account)
    var body = {
      key: cfg.key,
      user: { id: u.id, traits: u.traits, signature: u.signature || undefined },
      context: { url: location.href, locale: langs()[0] || null, user_agent: navigator.userAgent },
      account: account || undefined,
    };
    log(26, u.id); // bootstrap for user
    transport.post('/api/sdk/v1/bootstrap', JSON.stringify(body)).then(safe((r) => {
      if (seq != bootSeq || d.disposed) return; // superseded by a newer identify/group/reset
      var c = classify(r.status);
      if (c == 'ok') {
        engine.load(r.data || {}, u.id, langs());
        feats.load((r.data || {}).features);
        ready = 1;
        fire('ready', { user: u.id });
      } else if (c == 'retry' && attempt < 8) {
        var wait = r.retryAfter ?? backoff(attempt);
        log(27, r.status, wait);
        d.setTimeout(() => seq == bootSeq && boot(attempt + 1, seq), wait);
      } else log.error('bootstrap failed with HTTP ' + r.status, r.data);
    }, log, 'bootstrap'));
  }

  var api = {
    /** init({key, host, debug, locale, nonce}) */
    init: (o) => {
      if (cfg) return log(28); // init again: ignored
      o = o || {};
      if (!o.key) return log.error('init: no key');
      var host = o.host;
      try {
        host = host || new URL(opts.scriptSrc).origin;
      } catch (e) {
        host = location.origin;
      }
      cfg = o;
      if (o.debug) log.on(host, o.nonce);
      d = createDisposer();
      var local = createStore('localStorage');
      transport = createTransport({ host: host, key: o.key, log: log, disposer: d, store: local, tab: uuidv7() });
      feats = createFeatures({ disposer: d, send: send, log: log });
      engine = createEngine({
        log: log,
        key: o.key,
        local: local,
        session: createStore('sessionStorage'),
        createRenderer: (c) => createRenderer({ ...c, host: host, nonce: o.nonce }), // host, nonce: lazy chunks, <style>
        href: () => location.href,
        send: send,
        fire: fire,
      });
      shows.forEach(engine.show);
      createRouter({
        disposer: d, // polls every second
        // The page_view at once; the reaction after the app has rendered its new route, two
        // frames on (a hash link's hashchange, where apps render, may come a frame after popstate).
        onChange: safe((href) => {
          log(29, href);
          pageView();
          routing || (routing = later(() => later(safe(() => (routing = 0, engine.route()), log, 'route'))));
        }, log, 'route'),
      });
      // Leaving: what was just tracked is still in memory; store it, then beacon.
      var hide = safe(() => (drain(), transport.beacon()), log, 'beacon');
      d.listen(window, 'pagehide', hide);
      d.listen(document, 'visibilitychange', () => document.visibilityState == 'hidden' && hide());
      d.listen(window, 'online', () => transport.flush(true));
      log(30, host, o.key); // init
      pageView();
      // Starting takes three tasks, each after a frame of the page's: this one (init) reads no
      // storage; after the next frame, builder/preview mode is looked for (the URL or
      // sessionStorage, whose first read may wait on the browser; in that mode no bootstrap is
      // sent) and the card's fonts are looked up (a canvas: 3-10 ms of IPC cold, which the
      // first card's layout then does not pay); after the frame after that, /bootstrap is
      // sent. Back to back in one frame they made a long frame of their own, the first guide's
      // rendering included, with the answer of a fast server (bench/sdk_paint.py).
      var first = new Promise(later);
      first.then(() => (warmFonts(), (ext = extension(host, { key: o.key, nonce: o.nonce, log: log, render: createRenderer })) && bootSeq++));
      started = first.then(() => new Promise(later));
      scheduleBoot();
    },
    /** identify(userId, traits, {signature}) */
    identify: (id, traits, o) => {
      if (id == null || id === '') return log.error('identify: no user id');
      id = String(id);
      var changed = !user || user.id != id;
      drain(); // what the previous user did stays theirs
      user = { id: id, traits: traits || {}, signature: (o && o.signature) || null };
      soon();
      if (changed) {
        if (engine) engine.stop();
        ready = 0;
        scheduleBoot();
      }
    },
    /** group(accountId, traits) */
    group: (id, traits) => {
      account = id == null ? null : { id: String(id), traits: traits || {} };
      scheduleBoot();
    },
    /** track(name, properties) */
    track: (name, props) => {
      if (!name) return log.error('track: no name');
      send('track', { name: String(name), properties: props });
      if (engine) engine.track(String(name));
    },
    /** page(): a page_view now (route changes send one by themselves). */
    page: pageView,
    /** show(guideKey): open a guide now, exempt from frequency and throttling. */
    show: (key) => (key = String(key), engine ? engine.show(key) : shows.push(key)),
    /** reset(): forget the user (logout). Events already queued are still sent. */
    reset: () => {
      drain();
      if (engine) engine.stop(true), feats.load();
      bootSeq++;
      user = account = ready = null;
      shows = [];
    },
    on: (name, fn) => {
      if (!PUBLIC_EVENTS.includes(name)) return log.error('on: unknown event ' + name);
      if (typeof fn != 'function') return;
      var w = safe(fn, log, name + ' listener');
      w.f = fn;
      (listeners[name] = listeners[name] || []).push(w);
      if (name == 'ready' && ready) w({ user: user.id });
    },
    off: (name, fn) => {
      listeners[name] = (listeners[name] || []).filter((w) => w.f != fn);
    },
  };

  var sh = safe((m, ...a) => (api[m] ? api[m](...a) : log.error('unknown method ' + m)), log, 'shirube()');
  for (var m in api) sh[m] = safe(api[m], log, m);
  sh._loaded = true;
  sh._debug = {
    queueLength: () => pending.length + (transport ? transport.length() : 0),
    flush: () => (drain(), transport ? transport.flush(true) : Promise.resolve()),
    state: () => ({ ready: !!ready, account: account && account.id, ...(engine ? engine.state() : { user: user && user.id }) }),
    teardown: () => {
      if (engine) engine.stop();
      if (d) d.dispose();
    },
  };
  return sh;
}
