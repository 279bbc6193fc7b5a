#!/usr/bin/env node
// `npm run check:xenalyze -- --xenalyze PATH [--cpu-hz HZ] [--json] FILE...`: runs xenalyze and our import on the
// same xentrace captures and diffs their IO address summaries per domain, vcpu and address (src/trace/xenalyze.ts).
// Needs the out/ build (npm run build).
'use strict';
const { checkXenalyzeMain } = require('../out/src/trace/xenalyze');
process.exitCode = checkXenalyzeMain(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
