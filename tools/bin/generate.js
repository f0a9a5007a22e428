#!/usr/bin/env node
// npm run generate: the code generated from the schemas kept in Git, into each service's
// src/generated/ (git-ignored): the Prisma clients from prisma/<service>/schema.prisma and the
// resolver types from schema/<subgraph>.graphql. Runs before every build.
const { execFileSync } = require('node:child_process');
const { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'node_modules', '.bin');

// `prisma generate` insists on a schema-engine binary it does not use for generating, and its
// download host is out of reach here; a placeholder that fails if ever called stands in for it
// (migrations run on the wasm engine instead: docs/adr/0002-prisma-migrations-on-wasm.md).
const placeholder = path.join(root, '.tools', 'bin', 'prisma-schema-engine-placeholder');
if (!existsSync(placeholder)) {
  mkdirSync(path.dirname(placeholder), { recursive: true });
  writeFileSync(
    placeholder,
    '#!/bin/sh\necho "the native Prisma schema engine is not used here; see docs/adr/0002" >&2\nexit 1\n',
  );
  chmodSync(placeholder, 0o755);
}
// CHECKPOINT_DISABLE: the Prisma CLI otherwise reports each run to checkpoint.prisma.io (docs/egress.md).
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};

for (const service of readdirSync(path.join(root, 'prisma'))) {
  const schema = path.join(root, 'prisma', service, 'schema.prisma');
  if (!existsSync(schema)) continue;
  execFileSync(path.join(bin, 'prisma'), ['generate', '--schema', schema], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.error(`generated Prisma client for ${service}`);
}
execFileSync(path.join(bin, 'graphql-codegen'), ['--config', 'codegen.ts', '--silent'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
console.error('generated resolver types');
