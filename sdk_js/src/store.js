// JSON over Web Storage that never throws (private mode, quota, disabled cookies);
// falls back to memory so the SDK still works for the page's lifetime.

/**
 * @param {Storage|string|null|undefined} backend localStorage or sessionStorage (may be missing),
 *   or its name: then the page's storage of that name, looked up on first use (webStorage)
 * @returns {{get: (k: string) => any, set: (k: string, v: any) => void, del: (k: string) => void,
 *   keys: (prefix: string) => string[]}}
 */
export function createStore(backend) {
  var mem = {};
  var t = (fn) => {
    try {
      return fn();
    } catch (e) { /* quota, disabled, bad JSON */ }
  };
  var b = () => (typeof backend == 'string' ? (backend = webStorage(backend)) : backend);
  return {
    get: (k) => t(() => JSON.parse(b() ? backend.getItem(k) : mem[k] || null)),
    set: (k, v) => {
      var s = JSON.stringify(v);
      // Quota or disabled: keep it in memory instead.
      if (!(b() && t(() => (backend.setItem(k, s), 1)))) {
        mem[k] = s;
        backend = null;
      }
    },
    del: (k) => {
      t(() => b() && backend.removeItem(k));
      delete mem[k];
    },
    /** Every key starting with `prefix`. */
    keys: (prefix) => {
      var out = Object.keys(mem);
      t(() => {
        for (var i = 0; b() && i < backend.length; i++) out.push(backend.key(i));
      });
      return out.filter((k) => k && !k.indexOf(prefix));
    },
  };
}

/**
 * The page's storage of that name, or undefined when access throws (sandboxed iframes, storage
 * blocked). Looked up when the store is first used, never while the bundle evaluates: taking
 * the object opens the storage area (~1 ms in a CPU profile of the demo), and the first read
 * may wait on the browser (it loads the whole area).
 */
var webStorage = (name) => {
  try {
    return window[name];
  } catch (e) { /* blocked: none */ }
};
