// One log prefix. Decisions are logged only in debug mode; failures always, once each.

/**
 * @returns {((msg: string, ...a: any[]) => void) & {debug: boolean, error: (msg: string, err?: any) => void}}
 */
export function createLog() {
  var seen = {};
  var log = (...a) => log.debug && console.log('[shirube]', ...a);
  log.error = (msg, err) => {
    if (!seen[msg]) console.warn('[shirube]', msg, err === undefined ? '' : err);
    seen[msg] = 1;
  };
  return log;
}

/** Wrap a callback so that nothing it throws reaches the host page. */
export var safe = (fn, log, what) =>
  function () {
    try {
      return fn.apply(this, arguments);
    } catch (e) {
      log.error((what || 'callback') + ' failed', e);
    }
  };
