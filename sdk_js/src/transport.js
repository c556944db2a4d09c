// Sending: the bootstrap request, and the event queue (stored, batched, retried,
// drained by one tab at a time, flushed with sendBeacon when the page goes away).

import { backoff, classify, retryAfterMs } from './backoff.js';
import { bytes, createQueue, splitBatches } from './queue.js';
import { withLock } from './lock.js';

var BATCH = 20;
var EVERY = 2000;
var BEACON = 65536;
var TIMEOUT = 15000;
var EVENTS_PATH = '/api/sdk/v1/events';
var TEXT = 'text/plain;charset=UTF-8';

/**
 * @param {{host: string, key: string, log: any, disposer: any, store: any, tab: string,
 *   fetch?: typeof fetch, navigator?: any, now?: () => number, random?: () => number}} o
 */
export function createTransport(o) {
  var d = o.disposer;
  var now = o.now || Date.now;
  var nav = o.navigator || navigator;
  var q = createQueue(o.store, 'shirube_q_' + o.key);
  var attempt = 0; // failed sends in a row
  var blockedUntil = 0;
  var timer, timerAt, busy;
  var host = String(o.host || '').replace(/\/+$/, '');

  /** POST a JSON text as text/plain (no CORS preflight). Resolves {status, data, retryAfter}; status 0 = network error. */
  function post(path, text, keepalive) {
    var ac = new AbortController();
    var t = setTimeout(() => ac.abort(), TIMEOUT);
    return (o.fetch || fetch)(host + path, {
      method: 'POST',
      body: text,
      headers: { 'Content-Type': TEXT },
      credentials: 'omit',
      keepalive: !!keepalive,
      signal: ac.signal,
    })
      .then((res) => {
        var r = { status: res.status, data: null, retryAfter: retryAfterMs(res.headers.get('Retry-After'), now()) };
        // Not JSON (or no body): data stays null.
        return res.json().then((j) => ((r.data = j), r), () => r);
      }, () => ({ status: 0 }))
      .then((r) => (clearTimeout(t), r));
  }

  function body(evs, dropped) {
    if (dropped) {
      var [first, ...rest] = evs;
      evs = [{ ...first, properties: { ...first.properties, dropped_events: dropped } }, ...rest];
    }
    return JSON.stringify({ key: o.key, events: evs });
  }

  function schedule(ms) {
    var at = Math.max(now() + ms, blockedUntil);
    if (d.disposed || (timer && timerAt <= at)) return;
    clearTimeout(timer);
    timerAt = at;
    timer = d.setTimeout(() => {
      timer = 0;
      flush();
    }, at - now());
  }

  /** Queue events (already complete, with id and timestamp). */
  function enqueue(evs) {
    if (q.push(evs)) o.log.error('queue full: oldest dropped');
    schedule(q.length() >= BATCH ? 0 : EVERY);
  }

  /** Send everything queued now (one tab at a time). `force` ignores the backoff wait. */
  function flush(force) {
    if (busy) return busy;
    if (!force && now() < blockedUntil) return schedule(0), Promise.resolve();
    return (busy = withLock('shirube_l_' + o.key, drain, nav.locks).then(
      (ran) => {
        busy = 0;
        // Another tab held the lock: try again later (that tab may close mid-drain).
        if (!ran && q.length()) schedule(EVERY);
      },
      (e) => {
        busy = 0;
        o.log.error('flush failed', e);
      },
    ));
  }

  function drain() {
    var evs = q.free(now()).slice(0, BATCH);
    if (d.disposed || !evs.length) return;
    var dropped = q.dropped();
    var ids = evs.map((e) => e.id);
    var text = body(evs, dropped);
    q.claim(o.tab, ids, now() + 2 * TIMEOUT);
    return post(EVENTS_PATH, text, bytes(text) < BEACON).then((r) => {
      var c = classify(r.status);
      q.claim(o.tab);
      if (c == 'retry') {
        var wait = r.retryAfter ?? backoff(attempt++, o.random && o.random());
        blockedUntil = now() + wait;
        o.log(32, r.status, wait); // events: retry
        return schedule(wait);
      }
      if (c == 'drop') o.log.error('events dropped: HTTP ' + r.status, r.data);
      else o.log(33, evs, r.data); // events sent
      attempt = blockedUntil = 0;
      q.remove(ids, dropped);
      return drain();
    });
  }

  /**
   * The page is going away: hand what is unsent to sendBeacon. Not while sends are
   * failing (the network is down): a beacon would lose them; the next page sends them.
   */
  function beacon() {
    if (attempt || nav.onLine === false) return;
    var dropped = q.dropped();
    // + room for dropped_events on the first event
    splitBatches(q.free(now()), bytes(body([])) + 32, BEACON).some((g, i) => {
      var dr = i ? 0 : dropped;
      var ok;
      try {
        ok = nav.sendBeacon(host + EVENTS_PATH, new Blob([body(g, dr)], { type: TEXT }));
      } catch (e) { /* refused */ }
      // Refused (the browser's 64 KB in-flight budget): the rest stays for the next page.
      if (!ok) return true;
      q.remove(g.map((e) => e.id), dr);
    });
  }

  // Events left by an earlier page (or a closed tab) go out soon after load (looked for
  // then: no storage read while the page loads).
  schedule(EVERY);

  return { post: post, enqueue: enqueue, flush: flush, beacon: beacon, length: () => q.length() };
}
