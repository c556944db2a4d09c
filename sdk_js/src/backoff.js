// Retry policy for the SDK's HTTP calls: which outcomes to retry, and how long to wait.

/**
 * Classify an HTTP outcome. `status` 0 (or undefined) means a network error.
 * @param {number} status
 * @returns {'ok'|'retry'|'drop'}
 */
export var classify = (status) =>
  status >= 200 && status < 300 ? 'ok' : !status || status >= 500 || status == 408 || status == 429 ? 'retry' : 'drop';

/**
 * Jittered exponential backoff: half fixed, half random, so tabs spread out.
 * @param {number} attempt 0 for the first retry
 * @param {number} [rnd] a number in [0, 1) (tests pass it)
 * @returns {number} ms to wait
 */
export function backoff(attempt, rnd) {
  var d = Math.min(60000, 1000 * 2 ** attempt); // 1 s doubling, at most 60 s
  return Math.round((d / 2) * (1 + (rnd ?? Math.random())));
}

/**
 * A Retry-After header value (seconds, or an HTTP date) in ms, or null.
 * @param {string|null} v
 * @param {number} [now]
 * @returns {number|null}
 */
export function retryAfterMs(v, now) {
  if (!v) return null;
  var s = +v;
  if (s == s) return s >= 0 ? s * 1000 : null;
  var t = Date.parse(v);
  return t == t ? Math.max(0, t - (now ?? Date.now())) : null;
}
