// A renderer that draws nothing and records calls: the engine tests drive it by hand,
// and `SHIRUBE_RENDER_PLACEHOLDER=1 node build.mjs` builds the core with it (size checks
// before src/render/index.js exists).
export function createRenderer(opts) {
  var r = {
    opts: opts,
    shown: [],
    theme: opts && opts.theme,
    show: function (guide, o) {
      var cur = o.startStep;
      var c = {
        guide: guide,
        o: o,
        destroyed: false,
        destroy: function () { c.destroyed = true; },
        goTo: function (i) { cur = i; },
        step: function () { return cur; },
      };
      r.shown.push(c);
      return c;
    },
    destroyAll: function () { r.shown.forEach(function (c) { c.destroy(); }); },
    setTheme: function (t) { r.theme = t; },
  };
  return r;
}
