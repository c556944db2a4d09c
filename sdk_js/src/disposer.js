// Every listener, observer and timer the SDK adds is registered on a disposer,
// so tearing a guide (or the whole SDK) down leaves nothing behind.

/**
 * Create a disposer: a LIFO cleanup list.
 * @returns {{add: (fn: Function) => void,
 *   setTimeout: (fn: Function, ms: number) => any, setInterval: (fn: Function, ms: number) => any,
 *   listen: (target: EventTarget, type: string, fn: Function, opts?: object) => void,
 *   observe: <T>(observer: T) => T, dispose: () => void, disposed: boolean}}
 */
export function createDisposer() {
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
    disposed: false,
    /** Register a cleanup; runs once on dispose (immediately if already disposed). */
    add: (fn) => (d.disposed ? run(fn) : fns.push(fn)),
    setTimeout: timer(setTimeout, clearTimeout),
    setInterval: timer(setInterval, clearInterval),
    /** addEventListener, removed on dispose (none once disposed). */
    listen: (target, type, fn, opts) => {
      if (!d.disposed) target.addEventListener(type, fn, opts), d.add(() => target.removeEventListener(type, fn, opts));
    },
    /** Register an observer (Mutation/Intersection/Resize); disconnected on dispose. */
    observe: (observer) => (d.add(() => observer.disconnect()), observer),
    dispose: () => {
      if (d.disposed) return;
      d.disposed = true;
      while (fns.length) run(fns.pop());
    },
  };
  return d;
}
