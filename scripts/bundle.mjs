#!/usr/bin/env node
// Bundles the executables (dist/cli.js, dist/pre-commit.js and the graph worker they start) into
// a few ES modules with esbuild, over the files tsc wrote: Node then reads one file and a chunk per
// command instead of ~150 modules (resolution, reads and the CommonJS lexer cost ~90 ms of CPU
// per process). Code splitting keeps each command a lazy chunk. The library (dist/index.js) stays
// tsc's output. `node scripts/bundle.mjs [OUTDIR]`: OUTDIR defaults to the package's dist/.
//
// Layout: entries and chunks all sit at OUTDIR's top level, so a module's `import.meta.url` is
// OUTDIR/<file>.js and the assets it names with `new URL('./…', import.meta.url)` are copied there
// too by scripts/copy-assets.mjs (`../package.json` is the package's, as from dist/version.js).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] === undefined ? join(root, 'dist') : resolve(process.argv[2]);
// Chunks of an earlier build would otherwise pile up.
for (const f of readdirSync(out)) if (/^chunk-[A-Z0-9]+\.js(\.map)?$/.test(f)) rmSync(join(out, f));

await build({
  entryPoints: {
    cli: join(root, 'src/cli.ts'),
    'pre-commit': join(root, 'src/pre-commit.ts'),
    'graph-worker': join(root, 'src/server/graph-worker.ts'),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  sourcemap: true,
  // Native addons, optional drivers and packages that read files of their own stay in
  // node_modules, loaded by Node as usual.
  external: ['better-sqlite3', 'pg', 'pg-native', 'playwright-core', 'libxmljs2', 'xmlbuilder2', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'jsonld'],
  // Bundled CommonJS packages call require(); give the ES module one.
  banner: { js: "import { createRequire as __pyvouchCreateRequire } from 'node:module'; const require = __pyvouchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
