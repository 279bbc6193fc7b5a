#!/usr/bin/env node
// Writes schema/scenario.schema.json from the table of operations: bundles src/scenario/schema.ts (which derives the
// schema from src/scenario/ops.ts and the profiles) with esbuild, runs its buildSchema(), and writes the JSON when it
// changed. The file is committed (VS Code's jsonValidation and the $schema of scenario files point at it);
// test/scenario/schema.test.ts checks the committed file equals what the table gives. Run after gen-flat.js (the
// table's model imports include the flat builds).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const OUT = path.join(root, 'schema', 'scenario.schema.json');

/** The schema's text as the table gives it (one-space indentation, as the file has always been written). */
function schemaText() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-schema-'));
  try {
    const file = path.join(dir, 'schema.js');
    esbuild.buildSync({
      entryPoints: [path.join(root, 'src/scenario/schema.ts')], outfile: file, bundle: true, platform: 'node',
      target: 'node20', format: 'cjs', logLevel: 'warning', mainFields: ['module', 'main'],
    });
    return JSON.stringify(require(file).buildSchema(), null, 1) + '\n';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const text = schemaText();
  if (!fs.existsSync(OUT) || fs.readFileSync(OUT, 'utf8') !== text) { fs.writeFileSync(OUT, text); return true; }
  return false;
}

if (require.main === module) {
  try {
    process.stdout.write(main() ? 'gen-schema: schema/scenario.schema.json written\n' : 'gen-schema: schema/scenario.schema.json up to date\n');
  } catch (e) {
    process.stderr.write(`gen-schema: ${e.message}\n`);
    process.exit(1);
  }
}
module.exports = { main, schemaText };
