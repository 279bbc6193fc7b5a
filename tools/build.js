#!/usr/bin/env node
// Build: the flat builds of the stepped model (tools/gen-flat.js), the scenario schema from the table of operations
// (tools/gen-schema.js) and its compiled validator (tools/gen-validator.js), then esbuild:
//  - dist/cli.js: the `ioreq-scope` command line, one bundled file;
//  - out/: every source, test and benchmark transpiled one-to-one for mocha and `npm run bench`.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { main: genFlat } = require('./gen-flat');
const { main: genValidator } = require('./gen-validator');
const { main: genSchema } = require('./gen-schema');

const root = path.join(__dirname, '..');
// IOREQ_OUT lets parallel workers build into their own tree (default: out/).
const outDir = path.resolve(root, process.env.IOREQ_OUT || 'out');
/** Every file below dir, as paths relative to dir (none when dir does not exist). */
function walkAll(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walkAll(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]);
}
/** The TypeScript sources below dir (not declarations), as absolute paths. */
const tsFiles = (dir) => walkAll(dir).filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f)).map((f) => path.join(dir, f));

/** Writes each marked-up listing's served text (markers stripped: @fn lines removed, @label tokens cut). */
function writeListingViews(src, dests) {
  for (const rel of walkAll(src)) {
    const raw = fs.readFileSync(path.join(src, rel), 'utf8');
    const text = raw.split('\n').filter((l) => !/^\s*@fn\s+\w+\s*$/.test(l))
      .map((l) => { let x = l; for (;;) { const m = /\s+@[a-z_][a-z0-9_]*\s*$/.exec(x); if (!m) break; x = x.slice(0, m.index); } return x.replace(/\s+$/, ''); }).join('\n');
    for (const d of dests) { fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true }); fs.writeFileSync(path.join(d, rel), text); }
  }
}
async function build() {
  genFlat();
  genSchema();
  genValidator();
  await esbuild.build({
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: path.join(root, 'dist/cli.js'),
    // Whitespace only: names stay as written (class and function names appear in what the debugger shows).
    minifyWhitespace: true,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true,
    banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning',
    // jsonc-parser's UMD entry requires files by computed paths esbuild cannot follow; its ESM entry bundles cleanly.
    mainFields: ['module', 'main'],
  });
  fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
  // explore --workers starts this beside the bundle (dist/) that runs the explorer.
  await esbuild.build({
    entryPoints: [path.join(root, 'src/scenario/explore-worker.ts')], outfile: path.join(root, 'dist/explore-worker.js'),
    minifyWhitespace: true, bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
    mainFields: ['module', 'main'],
  });
  await esbuild.build({
    entryPoints: [path.join(root, 'src/extension/extension.ts')],
    outfile: path.join(root, 'dist/extension.js'),
    minifyWhitespace: true,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
    external: ['vscode'], mainFields: ['module', 'main'],
  });
  // The extension's explorer runs on a worker thread (src/extension/exploreRunner.ts), from a bundle of its own.
  await esbuild.build({
    entryPoints: [path.join(root, 'src/extension/exploreWorker.ts')],
    outfile: path.join(root, 'dist/exploreWorker.js'),
    minifyWhitespace: true,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
    mainFields: ['module', 'main'],
  });
  await esbuild.build({
    entryPoints: [path.join(root, 'src/debug/adapter.ts')],
    outfile: path.join(root, 'dist/debugAdapter.js'),
    minifyWhitespace: true,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
    mainFields: ['module', 'main'],
  });
  // bench/index.ts is bundled below instead (one-to-one output would only be overwritten).
  const bundledBench = ['index.ts', 'explore-child.ts'].map((f) => path.join(root, 'bench', f));
  const files = ['src', 'test', 'bench'].flatMap((d) => tsFiles(path.join(root, d))).filter((f) => !bundledBench.includes(f));
  fs.rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: files, outdir: outDir, outbase: root,
    bundle: false, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
  });
  // One-to-one output keeps relative paths: the scenario schema is read from out/schema/, the listings from
  // out/src/debug/listings; the bundles in dist/ read their listings from dist/listings.
  fs.cpSync(path.join(root, 'schema'), path.join(outDir, 'schema'), { recursive: true });
  fs.cpSync(path.join(root, 'src/debug/listings'), path.join(outDir, 'src/debug/listings'), { recursive: true });
  fs.cpSync(path.join(root, 'src/debug/listings'), path.join(root, 'dist/listings-marked'), { recursive: true });
  // What users open: each listing with its markers removed, exactly the text the debugger serves.
  writeListingViews(path.join(root, 'src/debug/listings'), [path.join(root, 'dist/listings'), path.join(outDir, 'src/debug/listings-view')]);
  // The benchmark is bundled like the shipped code: one-to-one CommonJS output turns every `A.X` of a namespace
  // import into a getter call, which would measure the module format rather than the model.
  for (const f of bundledBench) {
    await esbuild.build({
      entryPoints: [f], outfile: path.join(outDir, 'bench', path.basename(f).replace(/\.ts$/, '.js')),
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'],
    });
  }
  await esbuild.build({
    entryPoints: [path.join(root, 'src/scenario/explore-worker.ts')], outfile: path.join(outDir, 'bench/explore-worker.js'),
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'],
  });
}

build().catch((e) => { process.stderr.write(`build: ${e.message}\n`); process.exit(1); });
