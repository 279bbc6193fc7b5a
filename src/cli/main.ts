// ioreq-scope: the command line over the model. Errors: one line on stderr; exit 2 for bad usage or input,
// 1 for a failed check, 0 otherwise.
import { hex } from '../model/abi';
import { runDemo } from '../model/demo';
import { isProfile, layoutJson, PROFILES, specialPageLayout, type ProfileName } from '../model/layout';
import { stateJson } from '../model/state';

const VERSION = '0.1.0';

export class UsageError extends Error {}

const USAGE = `usage: ioreq-scope <command> [options]

commands:
  layout [--xen legacy|seed|4.5] [--json] [--check]
      the special-page layout xc_hvm_build gives a guest, hvm_info->reserved_mem_pgstart, and which pages lie
      inside the region it declares reserved and inside hvmloader's e820 reserved area. --check exits 1 when a
      page lies outside the declared region. Without --xen, all three profiles.
  state [--xen legacy|seed|4.5] --json
      the whole model state after the built-in sequence (see README: "The state document").
  help | --help | --version`;

interface Out { out: (s: string) => void; err: (s: string) => void }

function takeFlags(args: string[], known: Record<string, 'bool' | 'value'>): Record<string, string | boolean> {
  const r: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const kind = known[name];
    if (!kind) throw new UsageError(a.startsWith('-') ? `unknown option '${a}'` : `unexpected argument '${a}'`);
    if (kind === 'bool') { if (eq > 0) throw new UsageError(`option '${name}' takes no value`); r[name] = true; continue; }
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || v === '') throw new UsageError(`option '${name}' needs a value`);
    r[name] = v;
  }
  return r;
}

function profileOf(v: string | boolean | undefined): ProfileName | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isProfile(v)) throw new UsageError(`unknown profile '${String(v)}' (expected ${PROFILES.join(', ')})`);
  return v;
}

function layoutText(p: ProfileName): string {
  const l = specialPageLayout(p);
  const lines = [`${p}: hvm_info->reserved_mem_pgstart = ${hex(l.reservedMemPgstart)}   [${l.reservedExpansion}]`,
    `  ${'page'.padEnd(13)}${'i'.padStart(2)}  ${'pfn'.padEnd(9)}${'hvm_info reserved'.padEnd(19)}e820 reserved (>= 0xfc000)`];
  for (const pg of l.pages) {
    lines.push(`  ${pg.name.padEnd(13)}${String(pg.index).padStart(2)}  ${hex(pg.pfn).padEnd(9)}${(pg.insideReserved ? 'inside' : 'OUTSIDE').padEnd(19)}${pg.insideE820Reserved ? 'inside' : 'OUTSIDE'}`);
  }
  const outside = l.pages.filter((x) => !x.insideReserved);
  lines.push(outside.length
    ? `  ${outside.length} page(s) outside the declared region: ${outside.map((x) => `${x.name} ${hex(x.pfn)}`).join(', ')}`
    : '  every page lies inside the declared region');
  return lines.join('\n');
}

export function main(argv: string[], io: Out): number {
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined: case 'help': case '--help': case '-h':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
        io.out(VERSION);
        return 0;
      case 'layout': {
        const f = takeFlags(rest, { '--xen': 'value', '--json': 'bool', '--check': 'bool' });
        const one = profileOf(f['--xen']);
        const profiles = one ? [one] : [...PROFILES];
        if (f['--json']) {
          const docs = profiles.map((p) => layoutJson(specialPageLayout(p)));
          io.out(JSON.stringify(one ? docs[0] : docs, null, 2));
        } else {
          io.out(profiles.map(layoutText).join('\n\n'));
        }
        if (f['--check'] && profiles.some((p) => specialPageLayout(p).pages.some((x) => !x.insideReserved))) return 1;
        return 0;
      }
      case 'state': {
        const f = takeFlags(rest, { '--xen': 'value', '--json': 'bool' });
        if (!f['--json']) throw new UsageError("state prints JSON only: add '--json'");
        const m = runDemo(profileOf(f['--xen']) ?? 'seed');
        io.out(JSON.stringify(stateJson(m), null, 2));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${cmd}' (try 'ioreq-scope help')`);
    }
  } catch (e) {
    if (e instanceof UsageError) { io.err(`ioreq-scope: ${e.message}`); return 2; }
    io.err(`ioreq-scope: ${(e as Error).message.split('\n')[0]}`);
    return 2;
  }
}

if (require.main === module) {
  const code = main(process.argv.slice(2), { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') });
  process.exitCode = code;
}
