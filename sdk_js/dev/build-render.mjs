// Bundles dev/harness.js (which imports src/render/) for dev/render.html.
import { build } from 'esbuild';
await build({
  entryPoints: [new URL('harness.js', import.meta.url).pathname],
  outfile: new URL('out/harness.js', import.meta.url).pathname,
  bundle: true, format: 'esm', target: ['es2019'], sourcemap: true, logLevel: 'warning',
});
