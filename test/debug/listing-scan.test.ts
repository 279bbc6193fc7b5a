// A static scan of the stepped sources: every label a stepped method yields is on a line of its function's listing
// (src/debug/listings/). It reads the model's source text, so the mutation run (test/mutation.mocharc.json) leaves it
// out: there the sources are StrykerJS's instrumented copies, not what a developer wrote.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { listingNames, loadListing } from '../../src/debug/listing';
import type { ProfileName } from '../../src/model/layout';
import { cName } from '../../src/model/step';

const ROOT = path.join(__dirname, '../../..');
/** Where the stepped sources live: every folder below src/model. */
const XEN_SRC = path.join(ROOT, 'src', 'model');
/** The listing sets a stepped source file's functions must appear in. */
function setsFor(file: string): ProfileName[] {
  if (file === 'xen/seed/hvm.ts') return ['seed'];
  if (file === 'xen/legacy/hvm.ts') return ['legacy'];
  // issue 10: today's files belong to the 4.21 builds (x86, Arm, or both for the common code and the DMs)
  if (file.startsWith('xen/4.21/arch/x86/')) return ['4.21'];
  if (file.startsWith('xen/4.21/arch/arm/')) return ['4.21-arm'];
  if (file.startsWith('xen/4.21/') || file.startsWith('dm/') || file === 'qemu/xen-hvm-common.ts') return ['4.21', '4.21-arm'];
  if (file === 'tools/libxc.ts') return ['seed', 'legacy', '4.5', '4.21', '4.21-arm'];
  // 4.5: its own files; 4.4's io.c and emulate.c functions that 4.5 replaces are listed in 4.5/ instead.
  if (file.startsWith('xen/4.5/') || file === 'qemu/xen-hvm-4.5.ts') return ['4.5'];
  if (file === 'xen/4.4/io.ts' || file === 'xen/4.4/emulate.ts') return ['seed', 'legacy'];
  if (file === 'xen/4.4/stdvga.ts') return ['seed', 'legacy', '4.5'];
  return ['seed', 'legacy', '4.5'];
}

/** The stepped sources below src/model (paths relative to it) starting with `// @stepped`, not the generated *.flat.ts. */
function steppedFiles(dir = XEN_SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) return steppedFiles(f);
    return e.name.endsWith('.ts') && !e.name.endsWith('.flat.ts') && !e.name.endsWith('.d.ts') && /^\/\/ @stepped\s*$/m.test(fs.readFileSync(f, 'utf8'))
      ? [path.relative(XEN_SRC, f)] : [];
  }).sort();
}

/** Generator methods and the labels each yields, in source order (a method runs until the next method starts). */
function scanLabels(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const starts = [...text.matchAll(/^[ \t]*(?:(?:public|private|protected|static|override|async)\s+)*\*\s*([A-Za-z_$][\w$]*)\s*\(/gm)];
  starts.forEach((m, k) => {
    const body = text.slice(m.index! + m[0].length, k + 1 < starts.length ? starts[k + 1].index : text.length);
    const labels = [...body.matchAll(/yield\s+\$\(\s*'([^']+)'/g)].map((l) => l[1]);
    out.set(m[1], [...(out.get(m[1]) ?? []), ...labels]);
  });
  return out;
}

/** The function in a profile's listing set, with the file it is in. */
function listed(profile: ProfileName, fn: string) {
  for (const n of listingNames(profile)) {
    const f = loadListing(n).fns.get(fn);
    if (f) return { file: n, fn: f };
  }
  return undefined;
}
describe('debug listings (static scan)', () => {
  it('every label of every stepped method is on a line of its function in the listings (static scan)', () => {
    const files = steppedFiles();
    assert.ok(files.includes('xen/seed/hvm.ts') && files.includes('xen/legacy/hvm.ts') && files.includes('qemu/xen-hvm.ts') && files.includes('xen/4.4/io.ts'), `stepped files: ${files}`);
    const missing: string[] = [];
    let pairs = 0;
    for (const file of files) {
      const methods = scanLabels(fs.readFileSync(path.join(XEN_SRC, file), 'utf8'));
      assert.ok(methods.size > 0, `${file}: no generator methods found`);
      for (const [method, labels] of methods) {
        const fn = cName(method);
        for (const profile of setsFor(file)) {
          const hit = listed(profile, fn);
          if (!hit) { missing.push(`${file} ${method}: ${fn} is not in the ${profile} listings`); continue; }
          for (const label of labels) {
            pairs++;
            if (!hit.fn.labels.has(label) || (label === 'entry' && hit.fn.labels.get(label) === hit.fn.line)) {
              missing.push(`${file} ${method}: ${profile} ${hit.file} ${fn} has no @${label}`);
            }
          }
        }
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(pairs > 150, `only ${pairs} (function, label) pairs scanned`);
  });
});
