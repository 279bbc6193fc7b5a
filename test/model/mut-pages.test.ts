// `ioreq-scope pages` line by line (src/model/pages.ts, issue 16's mutation testing): the hexdump -C layout, the
// folding of repeated zero lines, and each field decoded beside its bytes. The bit-field bytes used here were
// checked with gcc 12 on x86-64 against public/hvm/ioreq.h's structs: an ioreq_t with state 1, data_is_ptr, dir and
// df set has 0x71 at byte 30; a buf_ioreq_t of type 0x11, dir 1, size 1, addr 0x12345, data 0xabcd is the bytes
// 11 56 34 12 cd ab 00 00.
import assert from 'node:assert/strict';
import { dumpPage, pageDumps, pagesText } from '../../src/model/pages';
import * as P from '../../src/model/params';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const ZERO = '00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|';
const page = (bytes: Record<number, number>) => {
  const dv = new DataView(new ArrayBuffer(4096));
  for (const [off, b] of Object.entries(bytes)) dv.setUint8(Number(off), b);
  return dv;
};
const set32 = (o: Record<number, number>, off: number, v: number) => { for (let k = 0; k < 4; k++) o[off + k] = (v >>> (8 * k)) & 0xff; return o; };

describe('pages: the hexdump', () => {
  it('a page never written is its first line, one * for the repeated zeroes, and its last line', () => {
    assert.deepEqual(dumpPage('raw', null, 1), [`00000000  ${ZERO}`, '*', `00000ff0  ${ZERO}`]);
  });

  it('zero lines fold into one * after the first of each run; a line with bytes breaks the run', () => {
    const lines = dumpPage('raw', page({ 0x35: 0x10, 0x3f: 0xff }), 1);
    assert.deepEqual(lines, [
      `00000000  ${ZERO}`, '*',
      '00000030  00 00 00 00 00 10 00 00  00 00 00 00 00 00 00 ff  |................|',
      `00000040  ${ZERO}`, '*',
      `00000ff0  ${ZERO}`,
    ]);
    // Two zero lines only: the second is folded too.
    assert.deepEqual(dumpPage('raw', page({ 0x20: 1 }), 1).slice(0, 3), [`00000000  ${ZERO}`, '*', '00000020  01 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|']);
  });

  it("bytes print as two hex digits; the text column shows 0x20-0x7e and '.' for the rest", () => {
    const [l] = dumpPage('raw', page({ 0: 0x1f, 1: 0x20, 2: 0x41, 3: 0x7e, 4: 0x7f, 5: 0x80, 6: 0x0f, 7: 0x10, 8: 0xff, 9: 0x30 }), 1);
    assert.equal(l, '00000000  1f 20 41 7e 7f 80 0f 10  ff 30 00 00 00 00 00 00  |. A~.....0......|');
  });

  it("the ioreq page names each vcpu's ioreq_t fields with their values, for the domain's vcpus only", () => {
    const b: Record<number, number> = { 0: 0x10, 8: 0x34, 9: 0x12, 16: 1, 20: 4, 24: 3, 30: 0x71, 31: 1 };
    set32(b, 32 + 0, 0xcf8); b[32 + 16] = 2; b[32 + 20] = 1; b[32 + 24] = 5; b[32 + 30] = 0x02; b[32 + 31] = 0; // v1: INPROCESS
    b[64 + 30] = 0x03; b[64 + 31] = 2; // v2: IORESP_READY, PCI config
    const lines = dumpPage('ioreq', page(b), 2);
    assert.deepEqual(lines.slice(0, 5), [
      '00000000  10 00 00 00 00 00 00 00  34 12 00 00 00 00 00 00  |........4.......|  v0 addr=0x10 | v0 data=0x1234',
      '00000010  01 00 00 00 04 00 00 00  03 00 00 00 00 00 71 01  |..............q.|  v0 count=1 | size=4 | vp_eport=3 | _pad0 | state=1 (STATE_IOREQ_READY) data_is_ptr=1 dir=1 df=1 | type=1 (IOREQ_TYPE_COPY)',
      '00000020  f8 0c 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|  v1 addr=0xcf8 | v1 data=0x0',
      '00000030  02 00 00 00 01 00 00 00  05 00 00 00 00 00 02 00  |................|  v1 count=2 | size=1 | vp_eport=5 | _pad0 | state=2 (STATE_IOREQ_INPROCESS) data_is_ptr=0 dir=0 df=0 | type=0 (IOREQ_TYPE_PIO)',
      // v2's bytes are there, but d has two vcpus: no fields.
      '00000040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|',
    ]);
    assert.equal(lines[5], '00000050  00 00 00 00 00 00 00 00  00 00 00 00 00 00 03 02  |................|');
    assert.equal(dumpPage('ioreq', page(b), 3)[5].split('  ').slice(-1)[0].replace(/^.*\| type/, 'type'), 'type=2 (IOREQ_TYPE_PCI_CONFIG)');
  });

  it('a domain with no vcpus yet still shows slot 0; a state or type outside the ABI says so', () => {
    const lines = dumpPage('ioreq', page({ 30: 0x07, 31: 9 }), 0);
    assert.match(lines[0], /v0 addr=0x0 \| v0 data=0x0$/);
    assert.match(lines[1], /state=7 \(invalid\) data_is_ptr=0 dir=0 df=0 \| type=9 \(unknown\)$/);
    assert.deepEqual(lines.slice(2, 4), [`00000020  ${ZERO}`, '*']); // no v1: no fields, the zero lines fold
  });

  it('the buffered page shows the two pointers, then each used slot decoded, two a line', () => {
    const b: Record<number, number> = {};
    set32(b, 0, 0x1ff); set32(b, 4, 0x201);
    Object.assign(b, { 8: 0x11, 9: 0x56, 10: 0x34, 11: 0x12, 12: 0xcd, 13: 0xab }); // slot 0 (gcc's bytes)
    set32(b, 16 + 4, 0xdead); // slot 1: only data set
    set32(b, 24, 0x000a0c01); // slot 2: type 1, size 3, addr 0xa0
    set32(b, 32 + 4, 0x7); // slot 3: only data set, after a slot whose data is 0
    set32(b, 4088, 0x00001000); // slot 510, the last: addr 0x1, type 0
    const lines = dumpPage('bufioreq', page(b), 1);
    assert.equal(lines[0], '00000000  ff 01 00 00 01 02 00 00  11 56 34 12 cd ab 00 00  |.........V4.....|  read_pointer=511 | write_pointer=513 | slot 0: type=17 (unknown) pad=0 dir=1 size=1 (2 bytes) addr=0x12345 data=0xabcd');
    assert.equal(lines[1], '00000010  00 00 00 00 ad de 00 00  01 0c 0a 00 00 00 00 00  |................|  slot 1: type=0 (IOREQ_TYPE_PIO) pad=0 dir=0 size=0 (1 bytes) addr=0x0 data=0xdead | slot 2: type=1 (IOREQ_TYPE_COPY) pad=0 dir=0 size=3 (8 bytes) addr=0xa0 data=0x0');
    assert.equal(lines[2], '00000020  00 00 00 00 07 00 00 00  00 00 00 00 00 00 00 00  |................|  slot 3: type=0 (IOREQ_TYPE_PIO) pad=0 dir=0 size=0 (1 bytes) addr=0x0 data=0x7');
    assert.equal(lines[3], `00000030  ${ZERO}`);
    assert.equal(lines[4], '*');
    assert.equal(lines[5], '00000ff0  00 00 00 00 00 00 00 00  00 10 00 00 00 00 00 00  |................|  slot 510: type=0 (IOREQ_TYPE_PIO) pad=0 dir=0 size=0 (1 bytes) addr=0x1 data=0x0');
    assert.equal(lines.length, 6);
  });
});

describe('pages: a scenario\'s special pages', () => {
  const sc = parseScenario(JSON.stringify({
    profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }],
    steps: [
      { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
      { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
      { actor: 'toolstack', op: 'xc_domain_create', domid: 2, vcpus: 1 }, // created, never built
      { actor: 'qemu', op: 'xen_hvm_init' },
      { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
      { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
    ],
  }), 'pages.ioreq.json');
  const m = runScenario(sc).session.m;

  it('every special page of each built HVM guest, decoded by what its params name it', () => {
    const d = pageDumps(m);
    assert.ok(d.length > 0 && d.every((p) => p.domid === 1), 'only d1: d2 was never built');
    const byName = Object.fromEntries(d.map((p) => [p.name, p]));
    assert.equal(byName.IOREQ.kind, 'ioreq');
    assert.equal(byName.BUFIOREQ.kind, 'bufioreq');
    assert.equal(byName.XENSTORE.kind, 'raw');
    assert.equal(byName.IOREQ.pfn, 0xfeff9);
    assert.equal(byName.IOREQ.bytes?.slice(0, 4), 'f803'); // the request to 0x3f8, as hex
    assert.equal(byName.IOREQ.bytes?.length, 8192);
    assert.match(byName.IOREQ.lines[0], /v0 addr=0x3f8 \| v0 data=0x41$/);
    const text = pagesText(d);
    assert.match(text, /^d1 pfn 0xfeff9 IOREQ: ioreq page \(shared_iopage_t: one 32-byte ioreq_t per vcpu\), p2m_ram_rw$/m);
    assert.match(text, /^d1 pfn 0xfeff8 BUFIOREQ: buffered page \(buffered_iopage_t: 2 pointers, 511 8-byte slots\), p2m_ram_rw$/m);
    assert.match(text, /\n\nd1 pfn /); // pages are a blank line apart
  });

  it('the frame just past RAM is no frame; a special page the guest gave back is left out of the full listing', () => {
    const m2 = runScenario(sc).session.m;
    const d1 = m2.x.domains.get(1)!;
    assert.deepEqual(pageDumps(m2, d1.ram_pages).map((p) => p.lines), [[]]);
    assert.equal(pageDumps(m2, d1.ram_pages - 1)[0].lines.length, 3);
    const paging = pageDumps(m2).find((p) => p.name === 'PAGING')!;
    d1.physmap.delete(paging.pfn);
    assert.deepEqual(pageDumps(m2).filter((p) => p.name === 'PAGING'), []);
    assert.equal(pageDumps(m2).length, pageDumps(m).length - 1);
  });

  it('a page is decoded as the ioreq or buffered page only when that param names it; an unset param (0) names none', () => {
    const m2 = runScenario(sc).session.m;
    const params = m2.x.domains.get(1)!.arch.hvm_domain.params;
    params[P.HVM_PARAM_IOREQ_PFN] = 0;
    params[P.HVM_PARAM_BUFIOREQ_PFN] = 0;
    assert.deepEqual(pageDumps(m2, 0).map((p) => p.kind), ['raw']);
    assert.ok(pageDumps(m2).every((p) => p.kind === 'raw'));
  });

  it('one frame asked for: a RAM frame never written says so; a frame nobody has is named as missing', () => {
    const ram = pageDumps(m, 0x100);
    assert.equal(ram.length, 1);
    assert.deepEqual([ram[0].name, ram[0].kind, ram[0].bytes, ram[0].p2mType], [null, 'raw', null, 'p2m_ram_rw']);
    assert.deepEqual(ram[0].lines, dumpPage('raw', null, 1));
    assert.equal(pagesText(ram).split('\n')[0], 'd1 pfn 0x100: raw, p2m_ram_rw, never written');
    const none = pageDumps(m, 0xf0000);
    assert.deepEqual(none.map((p) => [p.pfn, p.lines]), [[0xf0000, []]]);
    assert.equal(pagesText(none), 'd1 pfn 0xf0000: raw, p2m_mmio_dm\n  (no frame at this pfn)');
  });
});
