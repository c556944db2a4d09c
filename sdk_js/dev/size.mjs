import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
const here = process.cwd();
const g = (b) => gzipSync(b, {level: 9}).length;
async function bundle(opts) {
  const r = await build({absWorkingDir: here, bundle: true, format: 'iife', minify: true, write: false, target: ['es2019','chrome90','firefox88','safari15'], legalComments: 'none', ...opts});
  return r.outputFiles[0].contents;
}
const full = await bundle({entryPoints: ['src/index.js']});
const placeholder = { name: 'p', setup(b) { b.onResolve({ filter: /^\.\/render\/index\.js$/ }, () => ({ path: join(here, 'test', 'fake-render.mjs') })); } };
const core = await bundle({entryPoints: ['src/index.js'], plugins: [placeholder]});
const fui = await bundle({stdin: {contents: "import {computePosition, autoUpdate, offset, flip, shift, arrow} from '@floating-ui/dom'; window.x=[computePosition, autoUpdate, offset, flip, shift, arrow]", resolveDir: here}});
const ext = { name: 'e', setup(b) { b.onResolve({ filter: /^(\.\.\/[a-z0-9]+\.js|@floating-ui\/dom)$/ }, (a) => ({ path: a.path, external: true })); } };
const own = await bundle({entryPoints: ['src/render/index.js'], format: 'esm', plugins: [ext]});
console.log(JSON.stringify({full: g(full), core_with_fake_render: g(core), floating_ui_alone: g(fui), renderer_incremental: g(full) - g(core) - g(fui), renderer_own_code_alone: g(own), renderer_own_raw: own.length}));
