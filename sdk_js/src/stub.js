// The copy-paste loader. Queues calls (shirube('init', {...}) or shirube.init({...}))
// until the SDK arrives; does nothing when a copy is already on the page.
// __SHIRUBE_HOST__ is replaced with the server's origin where the snippet is shown.
(function (w, d, f, s) {
  if (w.shirube) return;
  f = w.shirube = function () {
    (f.q = f.q || []).push(arguments);
  };
  'init identify group track page show reset on off'.split(' ').forEach(function (m) {
    f[m] = function () {
      f.apply(0, [m].concat([].slice.call(arguments)));
    };
  });
  s = d.createElement('script');
  s.async = 1;
  s.src = '__SHIRUBE_HOST__/sdk/v1/shirube.js';
  (d.head || d.documentElement).appendChild(s);
})(window, document);
