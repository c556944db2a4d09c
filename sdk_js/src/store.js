// JSON over Web Storage that never throws (private mode, quota, disabled cookies);
// falls back to memory so the SDK still works for the page's lifetime.

/**
 * @param {Storage|null|undefined} backend localStorage or sessionStorage (may be missing)
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
  return {
    get: (k) => t(() => JSON.parse(backend ? backend.getItem(k) : mem[k] || null)),
    set: (k, v) => {
      var s = JSON.stringify(v);
      // Quota or disabled: keep it in memory instead.
      if (!(backend && t(() => (backend.setItem(k, s), 1)))) {
        mem[k] = s;
        backend = null;
      }
    },
    del: (k) => {
      t(() => backend && backend.removeItem(k));
      delete mem[k];
    },
    /** Every key starting with `prefix`. */
    keys: (prefix) => {
      var out = Object.keys(mem);
      t(() => {
        for (var i = 0; backend && i < backend.length; i++) out.push(backend.key(i));
      });
      return out.filter((k) => k && !k.indexOf(prefix));
    },
  };
}

/**
 * The page's storage of that name, or undefined when access throws (sandboxed iframes, storage
 * blocked). Nothing is read yet: the first read may wait on the browser (it loads the whole
 * area), and storage is not needed while the page loads.
 */
export var webStorage = (name) => {
  try {
    return window[name];
  } catch (e) { /* blocked: none */ }
};
