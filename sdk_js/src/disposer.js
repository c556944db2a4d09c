// Every listener, observer and timer the SDK adds is registered on a disposer,
// so tearing a guide (or the whole SDK) down leaves nothing behind.

/**
 * Create a disposer: an AbortController plus a LIFO cleanup list.
 * @returns {{signal: AbortSignal, add: (fn: Function) => Function,
 *   setTimeout: (fn: Function, ms: number) => any, setInterval: (fn: Function, ms: number) => any,
 *   listen: (target: EventTarget, type: string, fn: Function, opts?: object) => Function,
 *   observe: <T>(observer: T) => T, dispose: () => void, disposed: boolean}}
 */
export function createDisposer() {
  var ac = new AbortController();
  var fns = [];
  // A failing cleanup must not stop the others.
  var run = (fn) => {
    try {
      fn();
    } catch (e) { /* ignore */ }
  };
  var timer = (set, clear) => (fn, ms) => {
    var id = set(() => d.disposed || fn(), ms);
    d.add(() => clear(id));
    return id;
  };
  var d = {
    signal: ac.signal,
    disposed: false,
    /** Register a cleanup; runs once on dispose (immediately if already disposed). Returns fn. */
    add: (fn) => (d.disposed ? run(fn) : fns.push(fn), fn),
    setTimeout: timer(setTimeout, clearTimeout),
    setInterval: timer(setInterval, clearInterval),
    /** addEventListener, removed on dispose; returns an un-listen function. */
    listen: (target, type, fn, opts) => {
      var o = typeof opts == 'boolean' ? { capture: opts } : Object.assign({}, opts);
      var off = () => target.removeEventListener(type, fn, o);
      if (d.disposed) return off;
      target.addEventListener(type, fn, o);
      // Explicit removal too: not every EventTarget (old Safari, fakes) honours `signal`.
      return d.add(off);
    },
    /** Register an observer (Mutation/Intersection/Resize); disconnected on dispose. */
    observe: (observer) => (d.add(() => observer.disconnect()), observer),
    dispose: () => {
      if (d.disposed) return;
      d.disposed = true;
      run(() => ac.abort());
      while (fns.length) run(fns.pop());
    },
  };
  return d;
}
