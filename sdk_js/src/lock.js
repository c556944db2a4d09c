// One tab at a time drains the shared queue, with Web Locks where the browser has them.
// Elsewhere (Firefox < 96, Safari < 15.4) tabs may drain together: each tab's claim on
// the batch it is sending (queue.js) still keeps them from sending the same events.

/**
 * Run `fn` (returning a promise) while holding the lock `name`; skip it when another
 * tab holds it. Resolves to true when `fn` ran.
 * @param {string} name
 * @param {() => Promise<any>} fn
 * @param {LockManager} [locks] navigator.locks
 * @returns {Promise<boolean>}
 */
export function withLock(name, fn, locks) {
  var run = () => Promise.resolve().then(fn).then(() => true);
  return locks && locks.request ? locks.request(name, { ifAvailable: true }, (l) => l && run()) : run();
}
