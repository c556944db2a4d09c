// An esbuild plugin for the end-user bundle: Floating UI specialised to how our cards use it.
// As the library is loaded, the options our one call site never varies, and the platform
// methods our platform does not have, become constants, so the minifier drops the code
// paths that can never run for us (~1 KB gzip). What runs is Floating UI's own code,
// unchanged otherwise. What each fold stands on (src/render/ui.js):
//   dom   1. autoUpdate is never given `animationFrame: true` (it gets no options): its
//            per-frame path goes, and with it the iframe- and scale-aware getBoundingClientRect,
//            getScale and getCssDimensions that only that path uses.
//   core  2. `platform` defines none of PLATFORM_ABSENT. Core asks `platform.m == null ? void 0 :
//            platform.m(…)` (or tests `platform.m ?`) for each: for us that is always
//            undefined, and the offset-parent, scale and right-to-left arithmetic after it folds.
//         3. The middleware is exactly `middleware(ar)`: offset by a number; flip with padding
//            and only crossAxis false and fallbackAxisSideDirection 'end' set; shift with
//            padding and only crossAxis true set; detectOverflow with padding only.
// test/fold.test.mjs holds them: ui.js's platform lacks PLATFORM_ABSENT and never asks for
// animationFrame; the folded core places cards exactly as the published one does with
// `middleware(ar)`, over thousands of random layouts, and differently with other options.
// Every fold must find exactly the text it expects (counted): a Floating UI version that
// reads differently fails the build instead of shipping something folded wrong.
import { readFileSync } from 'node:fs';

/** Optional platform methods that the platform in src/render/ui.js does not define. */
export const PLATFORM_ABSENT = [
  'isRTL', 'getOffsetParent', 'isElement', 'getScale', 'getDocumentElement',
  'convertOffsetParentRelativeRectToViewportRelativeRect', 'detectOverflow',
];

const ASK = new RegExp(`await \\(platform\\.(${PLATFORM_ABSENT.join('|')}) == null \\? void 0 : platform\\.\\1\\([^()]*\\)\\)`, 'g');
const TEST = new RegExp(`platform\\.(${PLATFORM_ABSENT.join('|')}) \\?`, 'g');

/** [file name, [[text or pattern, replacement, times it must match], ...]] */
const FOLDS = [
  [/floating-ui\.dom\.mjs$/, [
    ['    animationFrame = false\n  } = options;', '  } = options;\n  const animationFrame = false;', 1],
  ]],
  [/floating-ui\.core\.mjs$/, [
    [ASK, 'void 0', 12],
    [TEST, '0 ?', 2],
    // detectOverflow: padding is the only option given.
    [`  const {
    boundary = 'clippingAncestors',
    rootBoundary = 'viewport',
    elementContext = 'floating',
    altBoundary = false,
    padding = 0
  } = evaluate(options, state);`, `  const boundary = 'clippingAncestors', rootBoundary = 'viewport', elementContext = 'floating', altBoundary = false;
  const { padding = 0 } = evaluate(options, state);`, 1],
    // flip
    [`        mainAxis: checkMainAxis = true,
        crossAxis: checkCrossAxis = true,
        fallbackPlacements: specifiedFallbackPlacements,
        fallbackStrategy = 'bestFit',
        fallbackAxisSideDirection = 'none',
        flipAlignment = true,
        ...detectOverflowOptions
      } = evaluate(options, state);`, `        ...detectOverflowOptions
      } = evaluate(options, state);
      const checkMainAxis = true, checkCrossAxis = false, specifiedFallbackPlacements = void 0,
        fallbackStrategy = 'bestFit', fallbackAxisSideDirection = 'end', flipAlignment = true;`, 1],
    // shift
    [`        mainAxis: checkMainAxis = true,
        crossAxis: checkCrossAxis = false,
        limiter = {
          fn: _ref => {
            let {
              x,
              y
            } = _ref;
            return {
              x,
              y
            };
          }
        },
        ...detectOverflowOptions
      } = evaluate(options, state);`, `        ...detectOverflowOptions
      } = evaluate(options, state);
      const checkMainAxis = true, checkCrossAxis = true, limiter = { fn: (c) => ({ x: c.x, y: c.y }) };`, 1],
    // offset: a number
    ["} = typeof rawValue === 'number' ? {", '} = true ? {', 1],
  ]],
];

/** `text` (the source of the module at `path`) folded; throws when a fold does not match as expected. */
export function foldText(path, text) {
  for (const [file, folds] of FOLDS) {
    if (!file.test(path)) continue;
    for (const [from, to, times] of folds) {
      let n = 0;
      text = text.replaceAll(from, () => (n++, to));
      if (n != times) throw new Error(`fold.mjs: ${from} matched ${n} times in ${path}, not ${times}`);
    }
  }
  return text;
}

export const fold = {
  name: 'floating-ui-fold',
  setup(b) {
    b.onLoad({ filter: /floating-ui\.(dom|core)\.mjs$/ }, (a) => ({
      contents: foldText(a.path, readFileSync(a.path, 'utf8')),
      loader: 'js',
    }));
  },
};
