// SPA awareness: one notification per real URL change, however it happened
// (pushState/replaceState, back/forward, hash links, or frameworks we cannot see: the poll).

/**
 * Watch the page URL. History methods are patched and restored on dispose (unless
 * someone patched over us since — then our wrapper just goes quiet).
 * @param {{disposer: any, onChange: (href: string, prev: string) => void, pollMs?: number, win?: Window}} o
 * @returns {{check: () => void}}
 */
export function createRouter(o) {
  var w = o.win || window;
  var d = o.disposer;
  var h = w.history;
  var last = w.location.href;
  var check = () => {
    var now = w.location.href;
    if (d.disposed || now == last) return;
    var prev = last;
    last = now;
    o.onChange(now, prev);
  };
  ['pushState', 'replaceState'].forEach((m) => {
    var orig = h[m];
    var patched = function () {
      var r = orig.apply(this, arguments);
      try {
        check();
      } catch (e) { /* never break the app's navigation */ }
      return r;
    };
    h[m] = patched;
    d.add(() => h[m] == patched && (h[m] = orig));
  });
  d.listen(w, 'popstate', check);
  d.listen(w, 'hashchange', check);
  d.setInterval(check, o.pollMs || 1000);
  return { check: check };
}
