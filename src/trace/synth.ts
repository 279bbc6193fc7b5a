// Synthetic flows of guest I/O, written as the records Xen and QEMU would write for them: the golden traces of the
// tests and the benchmarks. A flow is a list of accesses; each becomes VMEXIT, the I/O record (writes at issue,
// reads at completion, emulate.c:276/464), for device-model accesses the vcpu's block on its pCPU and its wake by
// the device model's pCPU, then VMENTRY; and, on the QEMU side, handle_ioreq with its read/write form.
import { XentraceWriter, SimpletraceWriter, qemuLogLine, type LogPrefix } from './writer';
import { RUNSTATE_blocked, RUNSTATE_runnable, RUNSTATE_running } from './xentrace';

export interface FlowIo {
  dom: number;
  vcpu: number;
  cpu: number;
  kind: 'pio' | 'mmio';
  dir: 'read' | 'write';
  addr: bigint;
  data: bigint;
  size: number;
  /** Goes to the device model (the vcpu blocks until it answers); otherwise Xen handles it. */
  dm: boolean;
}

export interface FlowOptions {
  /** pCPU the device model runs on (its wake-ups of the vcpu are traced there). */
  dmCpu?: number;
  tsc0?: bigint;
  /** Cycles per ns for the QEMU clock (QEMU traces in ns; 1 = the same clock). */
  cyclesPerNs?: number;
  /** Xen before 4.12: u32 data after a 64-bit address. */
  legacyData?: boolean;
  /** Windows are written after this many accesses. */
  windowEvery?: number;
}

export interface Golden {
  xentrace: Uint8Array;
  simpletrace: Uint8Array;
  log: Record<LogPrefix, string>;
  /** TSC (absolute) of each access's exit, completion. */
  times: Array<{ exit: bigint; entry: bigint }>;
}

export const EXIT_REASON_IO_INSTRUCTION = 30; // VMX basic exit reason 30 (Intel SDM, appendix C)
export const EXIT_REASON_EPT_VIOLATION = 48;

export function writeFlow(flow: FlowIo[], o: FlowOptions = {}): Golden {
  const xw = new XentraceWriter();
  const sw = new SimpletraceWriter();
  const dmCpu = o.dmCpu ?? 7;
  let t = o.tsc0 ?? 1_000_000n;
  const running = new Map<number, string>();
  const logs: Record<LogPrefix, string[]> = { none: [], tid: [], iso: [] };
  const times: Golden['times'] = [];
  const ns0 = 1_753_122_905_917_608_000n;
  const dmEvent = (name: string, tsc: bigint, args: Record<string, bigint | number>, order: string[]) => {
    const ns = ns0 + (tsc * 1000n) / BigInt(Math.round((o.cyclesPerNs ?? 1) * 1000));
    sw.event(name, ns, order.map((k) => BigInt(args[k] ?? 0)));
    for (const p of ['none', 'tid', 'iso'] as LogPrefix[]) logs[p].push(qemuLogLine(p, name, args, ns));
  };
  let n = 0;
  for (const io of flow) {
    const me = `${io.dom}.${io.vcpu}`;
    if (running.get(io.cpu) !== me) {
      xw.runstate(io.cpu, t, io.dom, io.vcpu, RUNSTATE_runnable, RUNSTATE_running);
      running.set(io.cpu, me);
      t += 50n;
    }
    const exit = t;
    xw.vmexit(io.cpu, exit, io.kind === 'pio' ? EXIT_REASON_IO_INSTRUCTION : EXIT_REASON_EPT_VIOLATION, 0xffffffff81000000n + BigInt(n));
    t += 200n;
    const mask = io.size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(8 * io.size)) - 1n;
    const data = io.data & mask;
    if (io.dir === 'write') xw.io(io.cpu, io.kind === 'mmio', true, io.addr, data, o.legacyData);
    const type = io.kind === 'pio' ? 0 : 1;
    const base = { req: 0x7ffd5e1c2a40n, type, dir: io.dir === 'read' ? 1 : 0, df: 0, data_is_ptr: 0, addr: io.addr, count: 1, size: io.size };
    if (io.dm) {
      xw.runstate(io.cpu, t, io.dom, io.vcpu, RUNSTATE_running, RUNSTATE_blocked);
      running.delete(io.cpu);
      t += 500n;
      dmEvent('handle_ioreq', t, { ...base, data: io.dir === 'write' ? data : 0n }, ['req', 'type', 'dir', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size']);
      if (io.dir === 'write') dmEvent('handle_ioreq_write', t + 10n, { ...base, data }, ['req', 'type', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size']);
      else dmEvent('handle_ioreq_read', t + 10n, { ...base, data }, ['req', 'type', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size']);
      t += 1000n;
      xw.runstate(dmCpu, t, io.dom, io.vcpu, RUNSTATE_blocked, RUNSTATE_runnable);
      t += 300n;
      xw.runstate(io.cpu, t, io.dom, io.vcpu, RUNSTATE_runnable, RUNSTATE_running);
      running.set(io.cpu, me);
      t += 100n;
    }
    if (io.dir === 'read') xw.io(io.cpu, io.kind === 'mmio', false, io.addr, data, o.legacyData);
    t += 100n;
    xw.vmentry(io.cpu, t);
    times.push({ exit, entry: t });
    t += 1000n;
    if (++n % (o.windowEvery ?? 4) === 0) { for (const c of new Set([...flow.map((f) => f.cpu), dmCpu])) xw.window(c); }
  }
  return {
    xentrace: xw.bytes(), simpletrace: sw.bytes(), times,
    log: { none: logs.none.join('\n') + '\n', tid: logs.tid.join('\n') + '\n', iso: logs.iso.join('\n') + '\n' },
  };
}
