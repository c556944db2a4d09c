// The copy-paste loader. Queues calls (shirube('init', {...}) or shirube.init({...}))
// until the SDK arrives; does nothing when a copy is already on the page.
// __SHIRUBE_HOST__ is replaced with the server's origin where the snippet is shown.
// The bundle is fetched at once (a preload: downloaded and compiled while the page loads)
// but run only once the page has loaded and painted: after its load event, the next frame
// and a task — or 2 s after this snippet ran, whichever comes first (a page whose images
// take long, a background tab that gets no frames). Starting the SDK then never lands in
// the page's own loading work (bench/sdk_paint.py, long animation frames). Both elements
// carry this snippet's CSP nonce (under 'strict-dynamic' a preload is not trusted without it).
(function (w, d, f, u, s, n, k, a, go) {
  if (w.shirube) return;
  f = w.shirube = function () {
    (f.q = f.q || []).push(arguments);
  };
  'init identify group track page show reset on off'.split(' ').forEach(function (m) {
    f[m] = function () {
      f.apply(0, [m].concat([].slice.call(arguments)));
    };
  });
  u = '__SHIRUBE_HOST__/sdk/v1/shirube.js';
  k = d.currentScript;
  k = (k && k.nonce) || '';
  a = function (e) {
    e.nonce = k;
    d.head.appendChild(e);
  };
  s = d.createElement('link');
  s.rel = 'preload';
  s.as = 'script';
  s.href = u;
  a(s);
  go = function () {
    if (!n) {
      n = d.createElement('script');
      n.async = 1;
      n.src = u;
      a(n);
    }
  };
  s = function () {
    w.requestAnimationFrame(function () {
      setTimeout(go);
    });
  };
  d.readyState == 'complete' ? s() : w.addEventListener('load', s);
  setTimeout(go, 2e3);
})(window, document);
