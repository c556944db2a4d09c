// One log prefix. Decisions are logged only in debug mode; failures always, once each.
// Decisions are logged as codes + data, log(code, ...data); their words live in the lazy
// chunk shirube-debug.js (src/debug.js, loaded by `debug(host, nonce)` on init({debug:
// true})), so the end-user bundle carries none of them. Lines logged before the chunk has
// arrived wait for it, in order. Codes (the index in debug.js's table):
//   0-17 eligibility.js reasons, 18-25 engine.js, 26-30 api.js, 31 features.js, 32-33 transport.js
import { loadScript } from './script.js';

/**
 * @returns {((code: number, ...a: any[]) => void) & {debug: boolean, error: (msg: string, err?: any) => void,
 *   on: (host: string, nonce?: string) => void}}
 */
export function createLog() {
  var seen = {};
  var wait = [];
  var out = (a) => wait.push(a);
  var log = (...a) => log.debug && out(a);
  log.error = (msg, err) => {
    if (!seen[msg]) console.warn('[shirube]', msg, err === undefined ? '' : err);
    seen[msg] = 1;
  };
  // Debug on: load the words; until then the lines wait.
  log.on = (host, nonce) => {
    log.debug = 1;
    loadScript(host, 'debug', nonce).then(() => {
      out = (a) => console.log('[shirube]', ...window.__shirubeDebug(a));
      wait.splice(0).forEach(out);
    }, (e) => log.error('debug chunk failed', e));
  };
  return log;
}

/** Wrap a callback so that nothing it throws reaches the host page. */
export var safe = (fn, log, what) =>
  function () {
    try {
      return fn.apply(this, arguments);
    } catch (e) {
      log.error(what + ' failed', e);
    }
  };
