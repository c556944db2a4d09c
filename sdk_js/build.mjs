// Builds the browser SDK into ../server/static/sdk/:
//   shirube.js (+ .map)  the IIFE bundle served at /sdk/v1/shirube.js
//   stub.min.js          the copy-paste loader (HOST placeholder: __SHIRUBE_HOST__)
// Output is ASCII (\u escapes), so it runs right whatever charset the page or server declares.
// Output is deterministic (no timestamps, no absolute paths): rebuilding gives the same bytes.
import { build, transform } from 'esbuild';
import { minify } from 'terser';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fold } from './fold.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// SHIRUBE_SDK_OUT: another output directory (the reproducibility test builds twice).
const out = process.env.SHIRUBE_SDK_OUT || join(here, '..', 'server', 'static', 'sdk');
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const STUB_MAX = 700;
const SURVEY_MAX_GZIP = 4096; // issue 5: the lazy survey chunk stays ≤ 4 KB gzip
const target = ['chrome90', 'firefox88', 'safari15'];

// Property names renamed to short ones in the bundles (esbuild mangleProps): only names that
// never reach the wire (bootstrap/event JSON, guide definitions, stored state), the public
// API (`shirube.*`, `_debug`), the DOM or CSS — Floating UI's internal platform and
// middleware names (its options are set only by us, inside the bundle) and our own
// internal interfaces. One cache for the three bundles: the survey and builder chunks call
// the main bundle's renderer and card kit, so a name is renamed alike in all of them.
// Adding a name: check it appears nowhere as a JSON field, DOM or CSS property, nor as a
// string used as a key (Floating UI reads elements['floating'/'reference'] so those stay).
const MANGLE = [
  // Floating UI
  'convertOffsetParentRelativeRectToViewportRelativeRect', 'getClippingRect', 'getElementRects', 'getDocumentElement',
  'getOffsetParent', 'isElement', 'getDimensions', 'getScale', 'isRTL', 'middlewareData', 'mainAxis', 'crossAxis',
  'alignmentAxis', 'fallbackAxisSideDirection', 'fallbackPlacements', 'fallbackStrategy', 'flipAlignment',
  'detectOverflow', 'elementContext', 'altBoundary', 'rootBoundary', 'boundary', 'strategy', 'middleware', 'platform',
  'rects', 'elements', 'overflows', 'resetPlacement', 'centerOffset', 'alignmentOffset',
  'limiter', 'coords', 'ancestorScroll', 'ancestorResize', 'elementResize', 'layoutShift', 'animationFrame',
  'initialPlacement', 'padding', 'element', 'options',
  // ours: disposer, engine/renderer/runner options and controllers, transport
  'disposed', 'listen', 'dispose', 'disposer', 'setTimeout', 'setInterval', 'createRenderer', 'onEvent', 'onChange', 'scriptSrc',
  'startStep', 'targetWaitMs', 'strings', 'emit', 'onEnd', 'ctrl', 'destroyAll', 'setTheme', 'notify', 'destroy',
  'enqueue', 'beacon', 'retryAfter', 'resume', 'stepOf', 'hole', 'claim', 'free', 'dropped', 'onError', 'missing',
  'fire', 'send', 'post', 'route', 'stop', 'load', 'doc', 'el', 'modal', 'pos', 'base', 'tab', 'store',
  'render', 'lang', 'zIndex', 'stepOf', 'any', 'list', 'card', 'btn', 'rect', 'enabled', 'index', 'fn', 'contextElement',
  // the keys (not the values) of the EVENTS map
  'PAGE_VIEW', 'TRACK', 'GUIDE_SEEN', 'STEP_SEEN', 'STEP_COMPLETED', 'GUIDE_COMPLETED', 'GUIDE_DISMISSED', 'GUIDE_SNOOZED',
  'GUIDE_TARGET_MISSING', 'SURVEY_ANSWERED', 'FEATURE_USED',
];
const mangleProps = new RegExp('^(' + MANGLE.join('|') + ')$');
// Which short name each of them gets: esbuild picks names no property left as is uses;
// mangle-names.json hands those same names out among the MANGLE properties in the order
// that gzips shirube.js best (found by SHIRUBE_MANGLE_SEARCH=<seconds> node build.mjs: swap
// two, rebuild, keep if smaller). It applies only while it is a permutation of this build's
// own names (so it can never collide); otherwise esbuild's names, with a warning.
const NAMES = join(here, 'mangle-names.json');

mkdirSync(out, { recursive: true });

// Until src/render/ has its index.js, SHIRUBE_RENDER_PLACEHOLDER=1 builds the core alone.
const placeholder = {
  name: 'render-placeholder',
  setup(b) {
    b.onResolve({ filter: /^\.\/render\/index\.js$/ }, () => ({ path: join(here, 'test', 'fake-render.mjs') }));
  },
};

// esbuild bundles (Floating UI folded to how our cards use it, fold.mjs) and minifies;
// terser then minifies the end-user bundle once more (its compressor and mangler save ~4%
// gzip over esbuild's alone, and that bundle has a budget).
// Its options are the safe defaults plus two `unsafe*` ones that hold for this code: function
// expressions that use neither `this` nor `arguments` become arrows (unsafe_arrows) and object
// methods concise methods (unsafe_methods) — both only lose constructibility, and nothing in
// the bundle (ours or Floating UI's) calls `new` on its own functions (~30 B less gzip).
async function main(cache) {
  const result = await build({
    plugins: process.env.SHIRUBE_RENDER_PLACEHOLDER ? [placeholder, fold] : [fold],
    absWorkingDir: here,
    entryPoints: ['src/index.js'],
    outfile: join(out, 'shirube.js'),
    bundle: true,
    format: 'iife',
    minify: true,
    target,
    sourcemap: 'external',
    sourceRoot: '',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    write: false,
    mangleProps,
    mangleQuoted: false,
    mangleCache: { ...cache },
  });
  const esb = Object.fromEntries(result.outputFiles.map((f) => [f.path.endsWith('.map') ? 'map' : 'js', f.text]));
  const min = await minify(esb.js, {
    ecma: 2020,
    compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true },
    mangle: true,
    // `//# allFunctionsCalledOnLoad` (first line; Chrome/Edge >= 136, others ignore it): V8 compiles
    // every function while the script streams in, off the main thread, instead of each one on its
    // first call - which put ~10-25 ms of compiling between the bootstrap response and the first
    // guide (bench/sdk_paint.py). Nearly all of the bundle runs on a page that shows a guide.
    format: { preamble: `//# allFunctionsCalledOnLoad\n/*! Shirube SDK ${pkg.version} | Apache-2.0 */`, wrap_func_args: false, ascii_only: true }, // ASCII, as esbuild's
    sourceMap: { content: esb.map, filename: 'shirube.js', url: 'shirube.js.map' },
  });
  return { cache: result.mangleCache, min, gz: gzipSync(min.code + '\n', { level: 9 }).length };
}
const own = (await main({})).cache;
const sorted = (o) => JSON.stringify([Object.keys(o).sort(), Object.values(o).sort()]);
let names = existsSync(NAMES) ? JSON.parse(readFileSync(NAMES, 'utf8')) : {};
if (sorted(names) != sorted(own)) {
  if (!process.env.SHIRUBE_RENDER_PLACEHOLDER) console.warn('mangle-names.json does not fit these sources: esbuild\'s own names used');
  names = own;
}
let { cache: mangleCache, min, gz } = await main(names);
if (process.env.SHIRUBE_MANGLE_SEARCH) {
  const keys = Object.keys(names).filter((k) => names[k]);
  for (const end = Date.now() + 1000 * process.env.SHIRUBE_MANGLE_SEARCH; Date.now() < end;) {
    const c = { ...names };
    const [a, b] = [0, 1].map(() => keys[Math.floor(Math.random() * keys.length)]);
    [c[a], c[b]] = [c[b], c[a]];
    const r = await main(c);
    if (r.gz < gz) ({ cache: mangleCache, min, gz } = r), (names = c);
  }
  writeFileSync(NAMES, JSON.stringify(names, Object.keys(names).sort(), 1) + '\n');
}
writeFileSync(join(out, 'shirube.js'), min.code + '\n');
writeFileSync(join(out, 'shirube.js.map'), min.map);

// The builder chunk (visual picker + draft preview), loaded only in builder/preview mode
// by src/preview.js: not part of the end-user bundle or its budget.
await build({
  absWorkingDir: here,
  entryPoints: ['src/builder/index.js'],
  outfile: join(out, 'shirube-builder.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target,
  legalComments: 'none',
  banner: { js: `/*! Shirube SDK builder ${pkg.version} | Apache-2.0 */` },
  logLevel: 'warning',
  mangleProps,
  mangleQuoted: false,
  mangleCache,
});

// The survey chunk (src/render/survey.js), loaded by src/render/survey-lazy.js the first
// time a survey guide is due; it borrows the main bundle's card kit, so it stays small.
await build({
  absWorkingDir: here,
  entryPoints: ['src/render/survey-chunk.js'],
  outfile: join(out, 'shirube-survey.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target,
  legalComments: 'none',
  banner: { js: `/*! Shirube SDK survey ${pkg.version} | Apache-2.0 */` },
  logLevel: 'warning',
  mangleProps,
  mangleQuoted: false,
  mangleCache,
});
// The debug chunk (src/debug.js: the words of the debug decision log), loaded by src/log.js
// only on init({debug: true}): a developer tool, not part of the end-user bundle.
await build({
  absWorkingDir: here,
  entryPoints: ['src/debug-chunk.js'],
  outfile: join(out, 'shirube-debug.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target,
  legalComments: 'none',
  banner: { js: `/*! Shirube SDK debug ${pkg.version} | Apache-2.0 */` },
  logLevel: 'warning',
  mangleProps,
  mangleQuoted: false,
  mangleCache,
});

const surveyGz = gzipSync(readFileSync(join(out, 'shirube-survey.js')), { level: 9 }).length;
if (surveyGz > SURVEY_MAX_GZIP) throw new Error(`shirube-survey.js is ${surveyGz} bytes gzip, over the ${SURVEY_MAX_GZIP}-byte budget`);

const stubSrc = readFileSync(join(here, 'src', 'stub.js'), 'utf8');
const stub = (await transform(stubSrc, { minify: true, target, legalComments: 'none' })).code;
if (!stub.includes('__SHIRUBE_HOST__')) throw new Error('stub.min.js lost the __SHIRUBE_HOST__ placeholder');
if (Buffer.byteLength(stub) > STUB_MAX) {
  throw new Error(`stub.min.js is ${Buffer.byteLength(stub)} bytes, over the ${STUB_MAX}-byte budget`);
}
writeFileSync(join(out, 'stub.min.js'), stub);

console.log(`shirube.js ${Buffer.byteLength(min.code) + 1} bytes, stub.min.js ${Buffer.byteLength(stub)} bytes → ${out}`);
