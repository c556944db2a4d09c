// Client-side triggers: when an eligible guide actually shows.
// page_load | element_visible | element_click | event | manual, then delay_ms.

/**
 * Arm one guide's trigger on `d` (a disposer); `fire` is called at most once.
 * Disposing `d` (route change, reset) cancels it, including a pending delay.
 * @param {{on?: string, selector?: string, event?: string, delay_ms?: number}|null} trigger
 * @param {{disposer: any, fire: () => void, onEvent: (name: string, fn: () => void) => void,
 *   doc?: Document, log?: Function}} o
 */
export function armTrigger(trigger, o) {
  var t = trigger || {};
  var d = o.disposer;
  var sel = t.selector;
  var on = t.on || 'page_load';
  var done;
  var go = () => {
    if (done || d.disposed) return;
    done = 1;
    t.delay_ms > 0 ? d.setTimeout(o.fire, t.delay_ms) : o.fire();
  };
  // A selector the browser refuses disarms the trigger, reported once.
  var bad = (e) => {
    d.dispose();
    if (o.log) o.log.error('bad selector ' + sel, e);
  };
  if (on == 'page_load') go();
  else if (on == 'event') t.event && o.onEvent(t.event, go);
  else if (on == 'element_click' && sel) {
    d.listen(o.doc || document, 'click', (e) => {
      try {
        if (e.target.closest && e.target.closest(sel)) go();
      } catch (err) {
        bad(err);
      }
    }, { capture: true, passive: true });
  } else if (on == 'element_visible' && sel) {
    var doc = o.doc || document;
    var io = d.observe(new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && go()));
    var watched = [];
    var pending = 0;
    var scan = () => {
      try {
        doc.querySelectorAll(sel).forEach((el) => !watched.includes(el) && watched.push(el) && io.observe(el));
      } catch (e) {
        bad(e);
      }
    };
    // DOM changes come in bursts: look once per burst.
    d.observe(new MutationObserver(() => {
      pending = pending || d.setTimeout(() => {
        pending = 0;
        scan();
      }, 50);
    })).observe(doc.documentElement, { childList: true, subtree: true });
    scan();
  }
  // 'manual' (and anything unknown): only show() opens it.
}
