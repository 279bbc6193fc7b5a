// QEMU traces: log lines in each prefix style, simpletrace v4 (header, mappings, events, dropped records), the
// grouping into device-model requests, and located errors.
import * as assert from 'assert';
import { DmRequestBuilder, readQemuLog, readSimpletrace, type QemuEvent } from '../../src/trace/qemu';
import { MemorySource } from '../../src/trace/source';
import { SimpletraceWriter, qemuLogLine } from '../../src/trace/writer';

const text = (s: string) => new MemorySource(new TextEncoder().encode(s));
function log(s: string) { const ev: QemuEvent[] = []; const st = readQemuLog(text(s), 'q.log', (e) => ev.push(e)); return { ev, st }; }
function simple(b: Uint8Array) { const ev: QemuEvent[] = []; const st = readSimpletrace(new MemorySource(b), 'q.st', (e) => ev.push(e)); return { ev, st }; }

const HANDLE = 'handle_ioreq I/O=0x7ffd5e1c2a40 type=0 dir=1 df=0 ptr=0 port=0xcfc data=0x0 count=1 size=4';

describe('trace/qemu: log lines', () => {
  it('reads the three prefix styles with their times and threads', () => {
    const a = log(`${HANDLE}\n`);
    const b = log(`2986097@1753122905.917608:${HANDLE}\n2986097@1753122905.917650:${HANDLE}\n`);
    const c = log(`2025-07-21T18:43:28.089797Z ${HANDLE}\n2025-07-21T18:43:28.089900Z ${HANDLE}\n`);
    assert.deepStrictEqual([a.st.prefix, b.st.prefix, c.st.prefix], ['none', 'tid', 'iso']);
    assert.deepStrictEqual(a.ev[0].args, { req: 0x7ffd5e1c2a40n, type: 0n, dir: 1n, df: 0n, data_is_ptr: 0n, addr: 0xcfcn, data: 0n, count: 1n, size: 4n });
    assert.ok(Number.isNaN(a.ev[0].t));
    assert.deepStrictEqual(b.ev.map((e) => [e.tid, e.t]), [[2986097, 0], [2986097, 42_000]]);
    assert.strictEqual(b.st.t0, 1753122905917608000n);
    assert.deepStrictEqual(c.ev.map((e) => e.t), [0, 103_000]);
    assert.strictEqual(c.st.t0, BigInt(Date.UTC(2025, 6, 21, 18, 43, 28)) * 1_000_000n + 89_797_000n);
    assert.deepStrictEqual(c.ev.map((e) => e.place), ['q.log:1', 'q.log:2']);
  });

  it('writes lines the reader reads back, for every event it knows', () => {
    for (const prefix of ['none', 'tid', 'iso'] as const) {
      const l = qemuLogLine(prefix, 'xen_map_pcidev', { id: 1, bus: 0, dev: 3, func: 0 }, 1_753_122_905_917_608_000n);
      const r = log(l + '\n');
      assert.deepStrictEqual(r.ev[0].args, { id: 1n, bus: 0n, dev: 3n, func: 0n }, l);
    }
    assert.strictEqual(qemuLogLine('tid', 'xen_ioreq_server_create', { id: 3 }, 1_000_000_001_000n), '2986097@1000.000001:xen_ioreq_server_create id: 3');
  });

  it('counts other lines and reports a known event with arguments that do not fit, with its line', () => {
    const r = log(`qemu-system-i386: warning: something\nmemory_region_ops_read cpu 0 mr 0x1 addr 0x2\n${HANDLE}\nhandle_ioreq I/O=0x1 type=zero\n`);
    assert.strictEqual(r.ev.length, 1);
    assert.strictEqual(r.st.other.get('memory_region_ops_read'), 1);
    assert.strictEqual(r.st.warningCount, 1);
    assert.match(r.st.warnings[0].message, /^q\.log:4: handle_ioreq: arguments do not match/);
  });

  it('groups handle_ioreq with its read form into one request carrying the read\'s result', () => {
    const b = new DmRequestBuilder();
    const r = log(`${HANDLE}\nhandle_ioreq_read I/O=0x7ffd5e1c2a40 read type=0 df=0 ptr=0 port=0xcfc data=0xdeadbeef count=1 size=4\n` +
      'handle_ioreq I/O=0x7ffd5e1c2a40 type=1 dir=0 df=0 ptr=0 port=0xa0000 data=0x741 count=1 size=2\nxen_ioreq_server_create id: 0\n');
    r.ev.forEach((e) => b.add(e));
    assert.deepStrictEqual(b.requests.map((q) => [q.type, q.dir, q.addr, q.data, q.size, q.bufferedLike]), [[0, 1, 0xcfcn, 0xdeadbeefn, 4, false], [1, 0, 0xa0000n, 0x741n, 2, true]]);
    assert.deepStrictEqual(b.control.map((c) => c.name), ['xen_ioreq_server_create']);
  });
});

describe('trace/qemu: simpletrace v4', () => {
  it('reads header, mappings, events and dropped records', () => {
    const w = new SimpletraceWriter(77);
    w.event('xen_ioreq_server_create', 1000n, [0]).event('xen_map_portio_range', 2000n, [0, 0x3f8, 0x3ff]).dropped(2500n, 12).event('cpu_ioreq_pio', 3000n, [1, 0, 0, 0, 0x3f8, 0x41, 1, 1]);
    w.event('some_other_event', 3500n, [5]);
    const { ev, st } = simple(w.bytes());
    assert.strictEqual(st.error, null);
    assert.strictEqual(st.dropped, 12);
    assert.deepStrictEqual(ev.map((e) => [e.name, e.t, e.tid]), [['xen_ioreq_server_create', 0, 77], ['xen_map_portio_range', 1000, 77], ['cpu_ioreq_pio', 2000, 77]]);
    assert.deepStrictEqual(ev[1].args, { id: 0n, start: 0x3f8n, end: 0x3ffn });
    assert.strictEqual(st.other.get('some_other_event'), 1);
  });

  it('lays the file out byte for byte as simple.c and simpletrace.py do', () => {
    const b = new SimpletraceWriter(5).event('xen_ioreq_server_destroy', 0x10n, [2]).bytes();
    const h = Buffer.from(b).toString('hex');
    assert.strictEqual(h.slice(0, 48), 'ffffffffffffffff' + 'b429a40acb77b1f2' + '0400000000000000');
    const name = Buffer.from('xen_ioreq_server_destroy').toString('hex');
    assert.strictEqual(h.slice(48, 48 + 40 + name.length), '0000000000000000' + '0000000000000000' + '18000000' + name);
    assert.strictEqual(h.slice(48 + 40 + name.length), '0100000000000000' + '0000000000000000' + '1000000000000000' + '20000000' + '05000000' + '0200000000000000');
  });

  it('rejects other versions and locates truncation and corrupt records, keeping what came before', () => {
    const w = new SimpletraceWriter();
    const v3 = w.bytes().slice();
    new DataView(v3.buffer).setBigUint64(16, 3n, true);
    assert.match(simple(v3).st.error!.message, /version 3 is not supported/);
    const full = new SimpletraceWriter().event('xen_ioreq_server_create', 1n, [0]).event('xen_ioreq_server_create', 2n, [1]).bytes();
    const cut = simple(full.subarray(0, full.length - 3));
    assert.strictEqual(cut.ev.length, 1);
    assert.match(cut.st.error!.message, /^q\.st@\d+: truncated/);
    const bad = full.slice();
    new DataView(bad.buffer).setBigUint64(full.length - 40, 9n, true);
    const c = simple(bad);
    assert.strictEqual(c.ev.length, 1);
    assert.match(c.st.error!.message, /record type 9/);
  });
});
