// Per-profile figures: each profile's own code driven through the scenario layer (the table of operations, as `run`
// does), so the profiles are measured the same way: synchronous round trips and buffered writes per second, each
// beside the DataView floor the model figures use, and the explorer's states per second on the profile's bench
// scenario. A profile's flow is written in its own terms (the ops its device model uses); a profile without one is
// reported as such, not skipped silently.
import { PROFILES, type ProfileName } from '../src/model/layout';
import { Session } from '../src/scenario/exec';
import { explore } from '../src/scenario/explore';
import { parseScenario, type Scenario } from '../src/scenario/parse';
import type { Step } from '../src/scenario/types';
import * as fs from 'fs';
import * as path from 'path';

interface ProfileFlow {
  /** Steps that make d1 (one vcpu) with a device model attached and the guest running. */
  setup: unknown[];
  /** One synchronous round trip: the access, the device model's answer, the vcpu's resume. */
  roundTrip: unknown[];
  /** One buffered write, and the device model's drain of the ring (run when the ring fills); null: the profile has no ring. */
  buffered: unknown[] | null;
  drain: unknown[];
  /** The device models the flow declares (default: one QEMU in d0 serving d1). */
  deviceModels?: unknown[];
  /** The explorer's bench scenario for this profile (read as this profile). */
  explore: string;
}

const QEMU_2014_SETUP = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'xen_hvm_init' },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
];
const X86_ROUND_TRIP = [
  { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
  { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 },
  { actor: 'd1v0', op: 'hvm_do_resume' },
];
const STDVGA_WRITE = [{ actor: 'd1v0', op: 'mmio_write', addr: '0xa0000', size: 2, value: '0x0741' }]; // in stdvga's window: Xen queues it on the buffered ring
const DRAIN_2014 = [{ actor: 'qemu', op: 'handle_buffered_iopage' }];

// Today's QEMU (4.21): its own server, the UART and the VGA window claimed; Xen's stdvga decides what is buffered.
const QEMU_421_SETUP = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'xen_register_ioreq' },
  { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
  { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'memory', start: '0xa0000', end: '0xbffff' },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
];
const VGA_WRITE_421 = [{ actor: 'd1v0', op: 'mmio_write', addr: '0xa0000', size: 2, value: '0x0741' }];
// Arm: a virtio-mmio backend (no buffered ring on Arm), a write to its notify register.
const VIRTIO_ARM_SETUP = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'virtio_backend_init' },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
];
const ARM_ROUND_TRIP = [
  { actor: 'd1v0', op: 'mmio_write', addr: '0x2000050', size: 4, value: '0x1' },
  { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 },
  { actor: 'd1v0', op: 'hvm_do_resume' },
];

/** Each profile's flow, in its own device model's terms. A profile added to PROFILES must add its flow here (the type says so). */
export const FLOWS: Record<ProfileName, ProfileFlow> = {
  legacy: { setup: QEMU_2014_SETUP, roundTrip: X86_ROUND_TRIP, buffered: STDVGA_WRITE, drain: DRAIN_2014, explore: '21-explore-bench.ioreq.json' },
  seed: { setup: QEMU_2014_SETUP, roundTrip: X86_ROUND_TRIP, buffered: STDVGA_WRITE, drain: DRAIN_2014, explore: '21-explore-bench.ioreq.json' },
  '4.5': { setup: QEMU_2014_SETUP, roundTrip: X86_ROUND_TRIP, buffered: STDVGA_WRITE, drain: DRAIN_2014, explore: '21-explore-bench.ioreq.json' },
  '4.21': { setup: QEMU_421_SETUP, roundTrip: X86_ROUND_TRIP, buffered: VGA_WRITE_421, drain: DRAIN_2014, explore: '90-x421-explore-bench.ioreq.json' },
  '4.21-arm': { setup: VIRTIO_ARM_SETUP, roundTrip: ARM_ROUND_TRIP, buffered: null, drain: [], deviceModels: [{ name: 'qemu', domid: 0, target: 1, kind: 'virtio' }],
    explore: '36-x421-arm-virtio-bufioreq-einval.ioreq.json' },
};

function scenarioOf(profile: ProfileName, steps: unknown[]): Scenario {
  const deviceModels = FLOWS[profile].deviceModels ?? [{ name: 'qemu', domid: 0, target: 1 }];
  return parseScenario(JSON.stringify({ profile, deviceModels, steps }), `bench:${profile}`);
}

function runAll(s: Session, steps: Step[]): void {
  for (const st of steps) {
    const why = s.blocked(st);
    if (why) throw new Error(`step ${st.op} cannot run: ${why}`);
    const r = s.runFlat(st);
    if (r.panic) throw new Error(`Xen panicked at ${st.op}: ${r.panic}`);
  }
}

/** A session after the profile's setup, events off, and the steps of one iteration of `body`, parsed. */
function ready(profile: ProfileName, body: unknown[]): { s: Session; steps: Step[] } {
  const sc = scenarioOf(profile, [...FLOWS[profile].setup, ...body]);
  const n = FLOWS[profile].setup.length;
  const s = new Session(sc);
  s.m.x.on = false;
  runAll(s, sc.steps.slice(0, n));
  return { s, steps: sc.steps.slice(n) };
}

export function profileFigures(rate: (n: number, body: (n: number) => void) => number, median: (xs: number[]) => number, runs: number,
  floors: { roundTrip: number; buffered: number }, scenariosDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of PROFILES) {
    try {
      const f = FLOWS[p];
      const bufferedFlow = f.buffered;
      const rt = rate(50_000, (n) => {
        const { s, steps } = ready(p, f.roundTrip);
        for (let i = 0; i < n; i++) runAll(s, steps);
      });
      const buf = bufferedFlow === null ? null : rate(200_000, (n) => {
        const { s, steps } = ready(p, [...bufferedFlow, ...f.drain]);
        const [write, drain] = [steps.slice(0, bufferedFlow.length), steps.slice(bufferedFlow.length)];
        for (let i = 0; i < n; i++) {
          // The ring holds 511 slots: drain it (the device model's poll) before it would refuse the write.
          if (i % 500 === 499) runAll(s, drain);
          runAll(s, write);
        }
      });
      const text = fs.readFileSync(path.join(scenariosDir, f.explore), 'utf8');
      const sc = parseScenario(text, f.explore, { profile: p });
      const ex: Array<{ states: number; seconds: number }> = [];
      for (let r = 0; r < runs; r++) { const res = explore(sc, { maxStates: 2_000_000, hashing: true }); ex.push({ states: res.statesExplored, seconds: res.seconds }); }
      const sec = median(ex.map((e) => e.seconds));
      out[p] = {
        syncRoundTripsPerSec: Math.round(rt), floorOverRoundTrip: +(floors.roundTrip / rt).toFixed(1),
        ...(buf === null ? { bufferedWritesPerSec: null, buffered: 'none: this profile has no buffered ring (Arm refuses bufioreq at create)' }
          : { bufferedWritesPerSec: Math.round(buf), floorOverBuffered: +(floors.buffered / buf).toFixed(1) }),
        explore: { scenario: f.explore, states: ex[0].states, statesPerSec: Math.round(ex[0].states / sec) },
      };
    } catch (e) {
      out[p] = { error: (e as Error).message };
    }
  }
  return { through: 'the scenario layer (Session.runFlat per step), events off', floors, profiles: out };
}
