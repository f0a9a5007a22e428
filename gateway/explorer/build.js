#!/usr/bin/env node
// Bundles the offline explorer (GraphiQL 5 with its Monaco web workers) into gateway/dist/explorer-ui/,
// which the gateway serves in development. Everything comes from node_modules: the page makes no
// request beyond the gateway. Skipped when nothing it is built from changed since the last build.
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const here = __dirname;
const root = path.resolve(here, '../..');
const out = path.resolve(here, '../dist/explorer-ui');
const stampFile = path.join(out, '.inputs-sha256');

const inputs = [
  ...readdirSync(here)
    .filter((f) => /\.(ts|tsx|css|js|json)$/.test(f))
    .map((f) => path.join(here, f)),
  path.join(root, 'package-lock.json'),
].sort();
const hash = createHash('sha256');
for (const file of inputs) hash.update(file).update(readFileSync(file));
const stamp = hash.digest('hex');

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && process.argv[2] !== '--force') {
  console.log('explorer: up to date');
  process.exit(0);
}

async function build() {
  const started = Date.now();
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  const esbuild = require('esbuild');
  rmSync(out, { recursive: true, force: true });
  const common = {
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    outdir: out,
    logLevel: 'warning',
    legalComments: 'external',
    define: { 'process.env.NODE_ENV': '"production"' },
  };
  await esbuild.build({
    ...common,
    entryPoints: { explorer: path.join(here, 'main.tsx') },
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: 'assets/[name]-[hash]',
  });
  await esbuild.build({
    ...common,
    entryPoints: {
      'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
      'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
      'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
    },
  });
  writeFileSync(stampFile, stamp);
  console.log(`explorer: built into ${path.relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

build().catch((error) => {
  console.error(error);
  process.exit(1);
});
