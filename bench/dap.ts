// DAP figures, over stdio against the stand-alone adapter (dist/debugAdapter.js), each beside a floor measured in
// the same run: `next` against `threads` (a request that does no work), 10,000 steps end to end, and a stepBack at
// statement 100 against one at statement 100,000.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** A scenario of `rounds` synchronous port writes, each served by QEMU and completed by hvm_do_resume. */
function longScenario(rounds: number): string {
  const steps: unknown[] = [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    { actor: 'qemu', op: 'xen_hvm_init' },
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
  ];
  for (let i = 0; i < rounds; i++) {
    steps.push({ actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: i & 0xff },
      { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: 'd1v0', op: 'hvm_do_resume' });
  }
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-bench-')), 'long.ioreq.json');
  fs.writeFileSync(f, JSON.stringify({ name: 'bench', profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], steps }));
  return f;
}

export async function dapFigures(adapter: string, runs: number): Promise<Record<string, unknown>> {
  const dc = new DebugClient('node', adapter, 'ioreq-scope');
  dc.defaultTimeout = 120000;
  await dc.start();
  try {
    const file = longScenario(3500);
    const stopped = () => dc.waitForEvent('stopped', 120000);
    await Promise.all([stopped(), dc.configurationSequence(), dc.launch({ scenario: file, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments)]);
    // Stepping stays in its thread: step the guest vcpu, which has a step in every round to the end (the device
    // model's steps between run inside its next / stepIn, as they do for a user stepping the vcpu).
    const threads0 = (await dc.threadsRequest()).body.threads;
    const threadId = (threads0.find((t) => /d1v0/.test(t.name)) ?? threads0[0]).id;
    // Warm up both paths.
    for (let i = 0; i < 200; i++) { await dc.threadsRequest(); await Promise.all([stopped(), dc.nextRequest({ threadId })]); }
    const threads: number[] = [], next: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t0 = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) await dc.threadsRequest();
      threads.push(ms(t0) / 200);
      t0 = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) await Promise.all([stopped(), dc.nextRequest({ threadId })]);
      next.push(ms(t0) / 200);
    }
    // 10,000 steps end to end (stepIn), from a fresh position.
    await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t: 0 })]);
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < 10000; i++) await Promise.all([stopped(), dc.stepInRequest({ threadId })]);
    const tenK = ms(t0);
    // stepBack at statement 100 against at statement 100,000, measured alternately (so drift and garbage
    // collection fall on both) after one visit to 100,000 has made the snapshots.
    await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t: 100000 })]);
    const early: number[] = [], late: number[] = [];
    for (let r = 0; r < Math.max(runs, 9); r++) {
      for (const [t, xs] of [[100, early], [100000, late]] as Array<[number, number[]]>) {
        await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t })]);
        const s0 = process.hrtime.bigint();
        await Promise.all([stopped(), dc.stepBackRequest({ threadId })]);
        xs.push(ms(s0));
      }
    }
    const back100 = median(early);
    const back100k = median(late);
    const state = (await dc.customRequest('ioreqScopeState', {})) as DebugProtocol.Response;
    return {
      nextRoundTripMs: +median(next).toFixed(3), threadsRoundTripMsFloor: +median(threads).toFixed(3),
      nextOverThreads: +(median(next) / median(threads)).toFixed(2), targetNextOverThreadsAtMost: 1.5,
      tenThousandStepsMs: Math.round(tenK), perStepMs: +(tenK / 10000).toFixed(3),
      stepBackAt100Ms: +back100.toFixed(2), stepBackAt100000Ms: +back100k.toFixed(2), stepBackRatio: +(back100k / back100).toFixed(2), targetStepBackRatioWithin: 2,
      scenarioStatementsReached: (state.body as { t: number }).t,
    };
  } finally {
    await dc.stop();
  }
}
