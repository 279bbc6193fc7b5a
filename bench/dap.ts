// DAP figures, over stdio against the stand-alone adapter (dist/debugAdapter.js), each beside a floor measured in
// the same run: `next` against `threads` (a request that does no work); 10,000 stepIns end to end against the same
// 10,000 in a session launched with `memoryEvents: false` (no page snapshot or memory event per stop); a stepBack at
// statement 100,000 against one at the same place of the scenario's first round (the same statement of the same
// kind of step, about statement 200), so the only difference is the history behind it.
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

type Stopped = () => Promise<DebugProtocol.Event>;

/** A client launched on `file`, stopped on entry, and the guest vcpu's thread id. */
async function launched(adapter: string, file: string, extra: Record<string, unknown> = {}): Promise<{ dc: DebugClient; stopped: Stopped; threadId: number }> {
  const dc = new DebugClient('node', adapter, 'ioreq-scope');
  dc.defaultTimeout = 120000;
  await dc.start();
  const stopped = () => dc.waitForEvent('stopped', 120000);
  await Promise.all([stopped(), dc.configurationSequence(), dc.launch({ scenario: file, stopOnEntry: true, ...extra } as DebugProtocol.LaunchRequestArguments)]);
  // Stepping stays in its thread: step the guest vcpu, which has a step in every round to the end (the device
  // model's steps between run inside its next / stepIn, as they do for a user stepping the vcpu).
  const threads0 = (await dc.threadsRequest()).body.threads;
  return { dc, stopped, threadId: (threads0.find((t) => /d1v0/.test(t.name)) ?? threads0[0]).id };
}

/** 10,000 stepIns end to end, from the start. */
async function tenThousand(c: { dc: DebugClient; stopped: Stopped; threadId: number }): Promise<number> {
  await Promise.all([c.stopped(), c.dc.customRequest('ioreqScopeGoto', { t: 0 })]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 10000; i++) await Promise.all([c.stopped(), c.dc.stepInRequest({ threadId: c.threadId })]);
  return ms(t0);
}

export async function dapFigures(adapter: string, runs: number): Promise<Record<string, unknown>> {
  const file = longScenario(3500);
  const main = await launched(adapter, file);
  const floor = await launched(adapter, file, { memoryEvents: false });
  const { dc, stopped, threadId } = main;
  try {
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
    // 10,000 stepIns, alternately with memory events (the adapter as users get it) and without (the floor).
    const tenK: number[] = [], tenKFloor: number[] = [];
    for (let r = 0; r < 2; r++) { tenK.push(await tenThousand(main)); tenKFloor.push(await tenThousand(floor)); }
    // stepBack at statement 100,000 against at the same position of the first round (after one visit to 100,000
    // has made the snapshots), measured alternately so drift and garbage collection fall on both.
    const at = async (t: number): Promise<{ step: number; stmt: number }> => {
      await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t })]);
      const s = ((await dc.customRequest('ioreqScopeState', {})) as DebugProtocol.Response).body as { step: number };
      let t0 = t;
      while (t0 > 0) {
        await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t: t0 - 1 })]);
        if ((((await dc.customRequest('ioreqScopeState', {})) as DebugProtocol.Response).body as { step: number }).step !== s.step) break;
        t0--;
      }
      return { step: s.step, stmt: t - t0 };
    };
    const LATE = 100000;
    const late = await at(LATE);
    // The rounds (4 setup steps, then 3 steps a round) each take the same number of statements: one round's length.
    const start = async (step: number): Promise<number> => { let t = 0; for (;;) { const p = await at(t); if (p.step >= step) return t - p.stmt; t += 8; } };
    const phase = (late.step - 4) % 3;
    const r1 = await start(4 + 3 + phase), r2 = await start(4 + 6 + phase);
    const period = r2 - r1;
    const early = LATE - period * Math.floor((LATE - r1) / period);
    const e = await at(early);
    if ((e.step - 4) % 3 !== phase || e.stmt !== late.stmt) throw new Error(`bench: statement ${early} (step ${e.step} +${e.stmt}) is not where ${LATE} is (step ${late.step} +${late.stmt})`);
    const earlyMs: number[] = [], lateMs: number[] = [];
    for (let r = 0; r < Math.max(runs, 15); r++) {
      for (const [t, xs] of [[early, earlyMs], [LATE, lateMs]] as Array<[number, number[]]>) {
        await Promise.all([stopped(), dc.customRequest('ioreqScopeGoto', { t })]);
        const s0 = process.hrtime.bigint();
        const [ev] = await Promise.all([stopped(), dc.stepBackRequest({ threadId })]);
        xs.push(ms(s0));
        if ((ev.body as { reason: string }).reason !== 'step') throw new Error(`bench: stepBack at ${t} did not step (${JSON.stringify(ev.body)})`);
      }
    }
    const backEarly = median(earlyMs);
    const backLate = median(lateMs);
    const state = (await dc.customRequest('ioreqScopeState', {})) as DebugProtocol.Response;
    return {
      nextRoundTripMs: +median(next).toFixed(3), threadsRoundTripMsFloor: +median(threads).toFixed(3),
      nextOverThreads: +(median(next) / median(threads)).toFixed(2), targetNextOverThreadsAtMost: 1.5,
      tenThousandStepsMs: Math.round(median(tenK)), perStepMs: +(median(tenK) / 10000).toFixed(3),
      tenThousandStepsNoMemoryEventsMsFloor: Math.round(median(tenKFloor)), tenThousandOverFloor: +(median(tenK) / median(tenKFloor)).toFixed(2),
      stepBackEarlyAt: early, stepBackEarlyMs: +backEarly.toFixed(3), stepBackAt100000Ms: +backLate.toFixed(3),
      stepBackRatio: +(backLate / backEarly).toFixed(2), targetStepBackRatioWithin: 2,
      scenarioStatementsReached: (state.body as { t: number }).t,
    };
  } finally {
    await dc.stop();
    await floor.dc.stop();
  }
}
