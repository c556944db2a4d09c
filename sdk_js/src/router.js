// SPA awareness: one notification per real URL change, however it happened
// (pushState/replaceState, back/forward, hash links, or frameworks we cannot see: the poll).

/**
 * Watch the page URL (polled every second too). History methods are patched and restored
 * on dispose (unless someone patched over us since — then our wrapper just goes quiet).
 * @param {{disposer: any, onChange: (href: string) => void}} o
 */
export function createRouter(o) {
  var d = o.disposer;
  var last = location.href;
  var check = () => {
    var now = location.href;
    if (!d.disposed && now != last) o.onChange((last = now));
  };
  ['pushState', 'replaceState'].forEach((m) => {
    var orig = history[m];
    var patched = function () {
      var r = orig.apply(this, arguments);
      try {
        check();
      } catch (e) { /* never break the app's navigation */ }
      return r;
    };
    history[m] = patched;
    d.add(() => history[m] == patched && (history[m] = orig));
  });
  d.listen(window, 'popstate', check);
  d.listen(window, 'hashchange', check);
  d.setInterval(check, 1000);
}
