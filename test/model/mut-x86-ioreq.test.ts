// Mutation tests of src/model/xen/4.21/arch/x86/hvm/ioreq.ts, the model of xen/arch/x86/hvm/ioreq.c @RELEASE-4.21.0
// (issue #16): the legacy gfn pool, the gfn path's map / unmap / enable / disable, the p2m_ioreq_server claim, the
// CF8 latch and the PCI-config decode. `ioreq.c:N` below always means xen/arch/x86/hvm/ioreq.c at RELEASE-4.21.0.
// Pool facts used throughout: setup_guest gives the 4.21 guest HVM_PARAM_IOREQ_SERVER_PFN 0xfeff0 with 8 pages
// (mask 0xff) and the legacy IOREQ_PFN 0xfeffd / BUFIOREQ_PFN 0xfeffb (legacy_mask bits 5 and 6), the values
// hvm_set_param stores (x86 hvm.c:4358-4385 @RELEASE-4.21.0).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { loadListing } from '../../src/debug/listing';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import { EBUSY, EINVAL, ENOENT, ENOMEM, EPERM } from '../../src/model/errno';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import * as X from '../../src/model/xen';
import type { IoreqServer } from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import type { Hvm421 as Hvm421Flat } from '../../src/model/xen/4.21/arch/x86/hvm/hvm.flat';
import { CF8_ADDR_LO, CF8_BDF, CF8_ENABLED, X86EMUL_UNHANDLEABLE } from '../../src/model/xen/4.21/arch/x86/hvm/ioreq';

const G = 1;
const BASE = 0xfeff0;
const LEGACY_IOREQ = 0xfeffd;
const LEGACY_BUFIOREQ = 0xfeffb;

/** A 4.21 driver that, on the stepped build, records the top frame at every stop. */
class Rec extends Rec421 {
  /** A server the frame shows (the parameter s) is named by its id. */
  override pick(fn: string, at: string, keys: string[], from = 0): Array<Record<string, unknown>> {
    return super.pick(fn, at, keys, from, (x) => (x instanceof X.IoreqServer ? x.id : x));
  }
}

const guest = (build: Build = 'flat'): Rec => Rec.make('4.21', build, 2, G);
/** A device model in dom0 that has created server `id` with the given buffering (no pages yet). */
function server(t: Rec, name: string, bufioreq = I.HVM_IOREQSRV_BUFIOREQ_ATOMIC): IoreqServer {
  t.addDm(name, 'qemu', 0, G);
  const u: I.XenDmOp['u'] = { handle_bufioreq: bufioreq };
  assert.equal(t.dmOp(name, { op: I.XEN_DMOP_create_ioreq_server, u }).value, 0);
  t.dm(name).ioservid = u.id!;
  return t.domain(G).x421.server[u.id!]!;
}
/** XEN_DMOP_get_ioreq_server_info with the legacy gfns (what maps them): rc and what it hands back. */
function getInfo(t: Rec, name: string, id: number): { rc: number; u: I.XenDmOp['u'] } {
  const u: I.XenDmOp['u'] = { id };
  return { rc: t.dmOp(name, { op: I.XEN_DMOP_get_ioreq_server_info, u }).value!, u };
}
const op = (t: Rec, name: string, o: number, u: I.XenDmOp['u']) => t.dmOp(name, { op: o, u }).value;
const pool = (t: Rec) => ({ ...t.domain(G).x421.ioreq_gfn });
/** The x86 hvm object of either build, for direct calls. */
const flatHvm = (t: Rec) => t.m.flat.x421!.hvm as unknown as Hvm421Flat;
const x86Events = (t: Rec, from = 0) => t.m.x.events.slice(from).filter((e) => X86_FNS.has(e.fn)).map(({ seq: _s, actor: _a, ...e }) => e);

const LISTING = loadListing('4.21/arch/x86/hvm/ioreq.c');
const X86_FNS = new Set(LISTING.fns.keys());

describe('4.21 x86 ioreq.c (mutation): the gfn path of get_info (ioreq.c:74-90, 138-172, 205-218)', () => {
  it('hvm_alloc_ioreq_gfn hands out the lowest free pool bits, ioreq page first: 0xfeff0 and 0xfeff1, each mapped once by Xen', () => {
    const t = guest();
    const s = server(t, 'q');
    assert.deepEqual(pool(t), { base: BASE, mask: 0xff, legacy_mask: 0x60 });
    const { rc, u } = getInfo(t, 'q', 0);
    assert.equal(rc, 0);
    assert.deepEqual([u.ioreq_gfn, u.bufioreq_gfn], [BASE, BASE + 1]);
    assert.deepEqual(pool(t), { base: BASE, mask: 0xfc, legacy_mask: 0x60 }, 'bits 0 and 1 taken');
    const d = t.domain(G);
    assert.equal(s.ioreq.page, d.page(BASE));
    assert.equal(s.bufioreq.page, d.page(BASE + 1));
    assert.deepEqual([s.ioreq.page!.xen_maps, s.bufioreq.page!.xen_maps], [1, 1], 'prepare_ring_for_helper: one global mapping each');
    assert.ok(s.ioreq.va && s.bufioreq.va);
    assert.deepEqual(s.how, ['gfn', 'gfn']);
  });

  it('a second get_info finds both pages mapped on a valid gfn and returns 0 without taking more of the pool (ioreq.c:144-155)', () => {
    const t = guest();
    const s = server(t, 'q');
    assert.equal(getInfo(t, 'q', 0).rc, 0);
    const again = getInfo(t, 'q', 0);
    assert.equal(again.rc, 0);
    assert.deepEqual([again.u.ioreq_gfn, again.u.bufioreq_gfn], [BASE, BASE + 1]);
    assert.equal(pool(t).mask, 0xfc);
    assert.deepEqual([s.ioreq.page!.xen_maps, s.bufioreq.page!.xen_maps], [1, 1], 'not mapped a second time');
  });

  it('a page get_frame allocated (gfn still INVALID) makes get_info -EPERM (ioreq.c:151-152), the pool untouched', () => {
    const t = guest();
    server(t, 'q');
    assert.equal(t.acquire('q', 0, 2).value, 0);
    assert.equal(getInfo(t, 'q', 0).rc, -EPERM);
    assert.deepEqual(pool(t), { base: BASE, mask: 0xff, legacy_mask: 0x60 });
  });

  it('without buffering only the ioreq page takes a gfn (HANDLE_BUFIOREQ, ioreq.c:211-212)', () => {
    const t = guest();
    const s = server(t, 'q', I.HVM_IOREQSRV_BUFIOREQ_OFF);
    assert.equal(getInfo(t, 'q', 0).rc, 0);
    assert.equal(s.ioreq.gfn, BASE);
    assert.equal(s.bufioreq.gfn, X.INVALID_GFN);
    assert.equal(pool(t).mask, 0xfe);
  });

  it('a dying target: hvm_map_ioreq_gfn is -EINVAL before it takes a gfn (ioreq.c:157-158)', () => {
    const t = guest();
    const s = server(t, 'q');
    t.domain(G).is_dying = 1; // DOMDYING_dying
    assert.equal(getInfo(t, 'q', 0).rc, -EINVAL);
    assert.equal(s.ioreq.gfn, X.INVALID_GFN);
    assert.equal(pool(t).mask, 0xff);
  });

  it('page_map events: one per page Xen maps, naming the server, the page and the gfn', () => {
    const t = guest();
    server(t, 'q');
    const from = t.m.x.events.length;
    getInfo(t, 'q', 0);
    assert.deepEqual(x86Events(t, from), [
      { kind: 'page_map', fn: 'hvm_map_ioreq_gfn', domid: G, detail: { server: 0, buf: false, pfn: BASE }, text: 'd1 server 0: ioreq page at gfn 0xfeff0 mapped by Xen' },
      { kind: 'page_map', fn: 'hvm_map_ioreq_gfn', domid: G, detail: { server: 0, buf: true, pfn: BASE + 1 }, text: 'd1 server 0: bufioreq page at gfn 0xfeff1 mapped by Xen' },
    ]);
  });

  it('with event recording off (a flat-out run) none of this file\'s functions records an event', () => {
    const t = guest();
    server(t, 'q');
    t.m.x.on = false;
    const from = t.m.x.events.length;
    getInfo(t, 'q', 0);
    op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 });
    op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 });
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, 0x80000010n);
    assert.equal(t.domain(G).x421.pci_cf8, 0x80000010, 'latched all the same');
    assert.deepEqual(t.m.x.events.slice(from), []);
  });
});

describe('4.21 x86 ioreq.c (mutation): prepare_ring_for_helper failing (ioreq.c:165-171; xen/common/memory.c:1954-1985 @RELEASE-4.21.0)', () => {
  const cases: Array<[string, (p: X.GuestPage | null, t: Rec) => void, number]> = [
    ['no page at the gfn (check_get_page_from_gfn: -EINVAL)', (_p, t) => { t.domain(G).physmap.delete(BASE); }, -EINVAL],
    ['a paged-out frame (-EAGAIN reported as -ENOENT)', (p) => { p!.paged_out = true; }, -ENOENT],
    ['a shared frame (-EAGAIN reported as -ENOENT)', (p) => { p!.shared = true; }, -ENOENT],
    ['a frame that cannot take a writable type (get_page_type: -EINVAL)', (p) => { p!.not_writable = true; }, -EINVAL],
    ['__map_domain_page_global failing (-ENOMEM)', (_p, t) => { t.m.x.faults.map = 0; }, -ENOMEM],
  ];
  for (const [what, arm, rc] of cases) {
    it(`the ioreq page: ${what}; hvm_unmap_ioreq_gfn gives the gfn back`, () => {
      const t = guest();
      const s = server(t, 'q');
      arm(t.domain(G).page(BASE), t);
      assert.equal(getInfo(t, 'q', 0).rc, rc);
      assert.equal(s.ioreq.gfn, X.INVALID_GFN);
      assert.equal(s.ioreq.page, null);
      assert.equal(s.ioreq.va, null);
      assert.deepEqual(s.how, [null, null]);
      assert.equal(pool(t).mask, 0xff, 'bit 0 back in the pool; the bufioreq page was never tried');
      assert.equal(s.bufioreq.gfn, X.INVALID_GFN);
    });
  }

  it('the bufioreq page failing: arch_ioreq_server_map_pages unmaps the ioreq page too (ioreq.c:214-215), its mapping dropped', () => {
    const t = guest();
    const s = server(t, 'q');
    const d = t.domain(G);
    const ioreqPage = d.page(BASE)!;
    d.page(BASE + 1)!.not_writable = true;
    assert.equal(getInfo(t, 'q', 0).rc, -EINVAL);
    assert.deepEqual([s.ioreq.gfn, s.bufioreq.gfn], [X.INVALID_GFN, X.INVALID_GFN]);
    assert.deepEqual([s.ioreq.page, s.ioreq.va], [null, null]);
    assert.equal(ioreqPage.xen_maps, 0, 'destroy_ring_for_helper dropped the ioreq page\'s mapping');
    assert.deepEqual(s.how, [null, null]);
    assert.equal(pool(t).mask, 0xff);
    // A retry once the frame is usable again maps both.
    d.page(BASE + 1)!.not_writable = false;
    assert.equal(getInfo(t, 'q', 0).rc, 0);
    assert.deepEqual([s.ioreq.gfn, s.bufioreq.gfn], [BASE, BASE + 1]);
    assert.equal(ioreqPage.xen_maps, 1);
  });
});

describe('4.21 x86 ioreq.c (mutation): the legacy gfns once the pool is used up (ioreq.c:58-122)', () => {
  /** Four ATOMIC servers with their gfns: the 8 pool pages all taken. */
  function fullPool(t: Rec): void {
    for (let k = 0; k < 4; k++) { server(t, `q${k}`); assert.equal(getInfo(t, `q${k}`, k).rc, 0); }
    assert.deepEqual(pool(t), { base: BASE, mask: 0, legacy_mask: 0x60 });
  }

  it('the fifth server gets IOREQ_PFN for its ioreq page and BUFIOREQ_PFN for its buffered one; a sixth is -ENOMEM', () => {
    const t = guest();
    fullPool(t);
    const s4 = server(t, 'q4');
    const r = getInfo(t, 'q4', 4);
    assert.equal(r.rc, 0);
    assert.deepEqual([r.u.ioreq_gfn, r.u.bufioreq_gfn], [LEGACY_IOREQ, LEGACY_BUFIOREQ]);
    assert.equal(pool(t).legacy_mask, 0);
    assert.deepEqual(s4.how, ['gfn', 'gfn']);
    const s5 = server(t, 'q5');
    assert.equal(getInfo(t, 'q5', 5).rc, -ENOMEM, 'no pool bit and no legacy bit: INVALID_GFN (ioreq.c:162-163)');
    assert.equal(s5.ioreq.gfn, X.INVALID_GFN);
    assert.deepEqual(pool(t), { base: BASE, mask: 0, legacy_mask: 0 });
  });

  it('hvm_free_legacy_ioreq_gfn: destroying the legacy server sets both legacy bits again, not pool bits (ioreq.c:92-108)', () => {
    const t = guest();
    fullPool(t);
    server(t, 'q4');
    getInfo(t, 'q4', 4);
    assert.equal(op(t, 'q4', I.XEN_DMOP_destroy_ioreq_server, { id: 4 }), 0);
    assert.deepEqual(pool(t), { base: BASE, mask: 0, legacy_mask: 0x60 });
    // The legacy gfns go round again, and a pool server's destroy gives its two pool bits back.
    server(t, 'q5');
    assert.deepEqual([getInfo(t, 'q5', 4).u.ioreq_gfn], [LEGACY_IOREQ]);
    assert.equal(op(t, 'q1', I.XEN_DMOP_destroy_ioreq_server, { id: 1 }), 0);
    assert.deepEqual(pool(t), { base: BASE, mask: 0x0c, legacy_mask: 0 }, 'server 1 had 0xfeff2 and 0xfeff3');
  });

  it('only a legacy param\'s own gfn is legacy: the ioreq page on IOREQ_PFN and the buffered one from the pool free to their own masks', () => {
    const t = guest();
    fullPool(t);
    const s4 = server(t, 'q4', I.HVM_IOREQSRV_BUFIOREQ_OFF);
    assert.equal(getInfo(t, 'q4', 4).rc, 0);
    assert.equal(s4.ioreq.gfn, LEGACY_IOREQ);
    assert.equal(pool(t).legacy_mask, 0x40, 'IOREQ_PFN\'s bit only');
    assert.equal(op(t, 'q0', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.equal(op(t, 'q4', I.XEN_DMOP_destroy_ioreq_server, { id: 4 }), 0);
    assert.deepEqual(pool(t), { base: BASE, mask: 0x03, legacy_mask: 0x60 });
  });

  it('hvm_free_ioreq_gfn: a gfn that is neither legacy nor in the 32-bit pool is an ASSERT failure (ioreq.c:113-120)', () => {
    for (const gfn of [BASE + 32, BASE - 1]) {
      const t = guest();
      const s = server(t, 'q');
      const r = t.m.flatRun('x', null, (f) => (f.x421!.hvm as unknown as Hvm421Flat).hvmFreeIoreqGfn(s, gfn));
      assert.equal(r.panic, `ASSERT(i < sizeof(mask) * 8) failed: gfn ${A.hex(gfn)} is not in the pool`, A.hex(gfn));
      assert.equal(t.m.x.panic!.fn, 'hvm_free_ioreq_gfn');
    }
    const t = guest();
    const s = server(t, 'q');
    t.domain(G).x421.ioreq_gfn.mask = 0;
    assert.equal(t.m.flatRun('x', null, (f) => (f.x421!.hvm as unknown as Hvm421Flat).hvmFreeIoreqGfn(s, BASE + 31)).panic, undefined);
    assert.equal(t.domain(G).x421.ioreq_gfn.mask >>> 0, 0x80000000, 'the last bit of the pool (i = 31)');
    flatHvm(t).hvmFreeIoreqGfn(s, LEGACY_BUFIOREQ);
    assert.deepEqual(pool(t), { base: BASE, mask: 0x80000000 | 0, legacy_mask: 0x60 }, 'BUFIOREQ_PFN is found by the legacy loop (i <= BUFIOREQ_PFN)');
  });

  it('stops: the pool loop shows the bit and the base; the legacy search shows the empty pool, then each param\'s bit test', () => {
    const t = guest('stepped');
    fullPool(t);
    assert.deepEqual(t.pick('hvm_alloc_ioreq_gfn', 'pool', ['i', 'base']).slice(0, 3), [{ i: 0, base: '0xfeff0' }, { i: 1, base: '0xfeff0' }, { i: 2, base: '0xfeff0' }]);
    server(t, 'q4');
    const from = t.stops.length;
    getInfo(t, 'q4', 4);
    assert.deepEqual(t.labels('hvm_alloc_ioreq_gfn', from), ['legacy', 'legacy']);
    assert.deepEqual(t.pick('hvm_alloc_ioreq_gfn', 'legacy', ['mask'], from), [{ mask: 0 }, { mask: 0 }]);
    assert.deepEqual(t.pick('hvm_alloc_legacy_ioreq_gfn', 'bit', ['i', 'legacy_mask'], from),
      [{ i: P.HVM_PARAM_IOREQ_PFN, legacy_mask: 0x60 }, { i: P.HVM_PARAM_IOREQ_PFN, legacy_mask: 0x40 }, { i: P.HVM_PARAM_BUFIOREQ_PFN, legacy_mask: 0x40 }]);
    const f2 = t.stops.length;
    op(t, 'q4', I.XEN_DMOP_destroy_ioreq_server, { id: 4 });
    assert.deepEqual(t.pick('hvm_free_ioreq_gfn', 'free', ['gfn'], f2), [{ gfn: LEGACY_BUFIOREQ }, { gfn: LEGACY_IOREQ }]);
  });
});

describe('4.21 x86 ioreq.c (mutation): enable and disable on the gfn path, and not on the resource path (ioreq.c:174-203, 226-236)', () => {
  it('enable takes both gfns out of the p2m and clears the pages (ioreq.c:182-184); disable clears them and puts them back', () => {
    const t = guest();
    const s = server(t, 'q');
    getInfo(t, 'q', 0);
    const d = t.domain(G);
    // The guest still owns the frames until enable: what it left there is wiped.
    s.ioreq.page!.data().setUint8(3000, 0x5a);
    s.bufioreq.page!.data().setUint8(3000, 0xa5);
    const from = t.m.x.events.length;
    assert.equal(op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 }), 0);
    assert.deepEqual([d.page(BASE), d.page(BASE + 1)], [null, null]);
    assert.equal(s.ioreq.page!.data().getUint8(3000), 0);
    assert.ok(s.bufioreq.page!.bytes === null || s.bufioreq.page!.bytes.every((b) => b === 0), 'the buffered page cleared');
    assert.deepEqual(x86Events(t, from), [
      { kind: 'page_remove', fn: 'hvm_remove_ioreq_gfn', domid: G, detail: { server: 0, buf: false, pfn: BASE }, text: "d1 gfn 0xfeff0 removed from the guest's p2m (server 0 ioreq page, cleared)" },
      { kind: 'page_remove', fn: 'hvm_remove_ioreq_gfn', domid: G, detail: { server: 0, buf: true, pfn: BASE + 1 }, text: "d1 gfn 0xfeff1 removed from the guest's p2m (server 0 bufioreq page, cleared)" },
    ]);
    // Something in the pages while enabled (a write pointer), then disable.
    s.bufioreq.page!.data().setUint32(4, 7, true);
    const f2 = t.m.x.events.length;
    assert.equal(op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 }), 0);
    assert.equal(d.page(BASE), s.ioreq.page);
    assert.equal(d.page(BASE + 1), s.bufioreq.page);
    assert.ok(s.bufioreq.page!.bytes!.every((b) => b === 0));
    assert.deepEqual(x86Events(t, f2), [
      { kind: 'page_populate', fn: 'hvm_add_ioreq_gfn', domid: G, detail: { server: 0, buf: true, pfn: BASE + 1 }, text: "d1 gfn 0xfeff1 back in the guest's p2m, cleared (server 0 disabled)" },
      { kind: 'page_populate', fn: 'hvm_add_ioreq_gfn', domid: G, detail: { server: 0, buf: false, pfn: BASE }, text: "d1 gfn 0xfeff0 back in the guest's p2m, cleared (server 0 disabled)" },
    ]);
  });

  it('pages from acquire_resource (gfn INVALID): enable and disable leave them alone, no p2m change and no clear (ioreq.c:179-180, 193-194)', () => {
    const t = guest();
    const s = server(t, 'q');
    assert.equal(t.acquire('q', 0, 2).value, 0);
    const d = t.domain(G);
    const before = new Map(d.physmap);
    s.ioreq.page!.data().setUint8(3000, 0x5a);
    s.bufioreq.page!.data().setUint8(3000, 0xa5);
    const from = t.m.x.events.length;
    assert.equal(op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 }), 0);
    assert.equal(op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 }), 0);
    assert.deepEqual([s.ioreq.page!.data().getUint8(3000), s.bufioreq.page!.data().getUint8(3000)], [0x5a, 0xa5]);
    assert.deepEqual([...d.physmap.keys()].sort(), [...before.keys()].sort(), 'the guest p2m unchanged');
    assert.equal(d.physmap.has(X.INVALID_GFN), false);
    assert.deepEqual(x86Events(t, from), []);
  });

  it('stops: enable removes ioreq then bufioreq, disable adds bufioreq then ioreq, each check showing the gfn', () => {
    const t = guest('stepped');
    server(t, 'q');
    let from = t.stops.length;
    getInfo(t, 'q', 0);
    assert.deepEqual(t.labels('arch_ioreq_server_map_pages', from), ['ioreq', 'bufioreq']);
    assert.deepEqual(t.pick('arch_ioreq_server_map_pages', 'bufioreq', ['s', 'rc'], from), [{ s: 0, rc: 0 }]);
    assert.deepEqual(t.pick('arch_ioreq_server_map_pages', 'ioreq', ['s'], from), [{ s: 0 }]);
    assert.deepEqual(t.labels('hvm_map_ioreq_gfn', from), ['check_page', 'gfn', 'prepare_ring', 'check_page', 'gfn', 'prepare_ring']);
    assert.deepEqual(t.pick('hvm_map_ioreq_gfn', 'check_page', ['s', 'buf', 'page', 'gfn'], from),
      [{ s: 0, buf: false, page: 'NULL', gfn: -1 }, { s: 0, buf: true, page: 'NULL', gfn: -1 }]);
    assert.deepEqual(t.pick('hvm_map_ioreq_gfn', 'gfn', ['gfn'], from), [{ gfn: BASE }, { gfn: BASE + 1 }]);
    assert.deepEqual(t.pick('hvm_map_ioreq_gfn', 'prepare_ring', ['gfn', 'rc'], from), [{ gfn: '0xfeff0', rc: 0 }, { gfn: '0xfeff1', rc: 0 }]);
    from = t.stops.length;
    getInfo(t, 'q', 0);
    assert.deepEqual(t.pick('hvm_map_ioreq_gfn', 'check_page', ['buf', 'page', 'gfn'], from),
      [{ buf: false, page: 'allocated', gfn: BASE }, { buf: true, page: 'allocated', gfn: BASE + 1 }]);
    from = t.stops.length;
    op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 });
    assert.deepEqual(t.pick('arch_ioreq_server_enable', 'remove', ['s'], from), [{ s: 0 }]);
    assert.deepEqual(t.pick('hvm_remove_ioreq_gfn', 'check', ['s', 'buf', 'gfn'], from), [{ s: 0, buf: false, gfn: BASE }, { s: 0, buf: true, gfn: BASE + 1 }]);
    from = t.stops.length;
    op(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 });
    assert.deepEqual(t.pick('arch_ioreq_server_disable', 'add', ['s'], from), [{ s: 0 }]);
    assert.deepEqual(t.pick('hvm_add_ioreq_gfn', 'check', ['s', 'buf', 'gfn'], from), [{ s: 0, buf: true, gfn: BASE + 1 }, { s: 0, buf: false, gfn: BASE }]);
    from = t.stops.length;
    op(t, 'q', I.XEN_DMOP_destroy_ioreq_server, { id: 0 });
    assert.deepEqual(t.pick('arch_ioreq_server_destroy', 'p2m', ['s', 'mapped'], from), [{ s: 0, mapped: -1 }]);
    assert.deepEqual(t.pick('arch_ioreq_server_unmap_pages', 'unmap', ['s'], from), [{ s: 0 }]);
    assert.deepEqual(t.pick('hvm_unmap_ioreq_gfn', 'check', ['s', 'buf', 'gfn'], from), [{ s: 0, buf: true, gfn: BASE + 1 }, { s: 0, buf: false, gfn: BASE }]);
    assert.deepEqual(t.pick('hvm_free_ioreq_gfn', 'free', ['gfn'], from), [{ gfn: BASE + 1 }, { gfn: BASE }]);
  });

  it('stops: a failed prepare_ring shows its rc, then unmaps the gfn it took', () => {
    const t = guest('stepped');
    server(t, 'q');
    t.domain(G).page(BASE)!.shared = true;
    const from = t.stops.length;
    assert.equal(getInfo(t, 'q', 0).rc, -ENOENT);
    assert.deepEqual(t.pick('hvm_map_ioreq_gfn', 'prepare_ring', ['gfn', 'rc'], from), [{ gfn: '0xfeff0', rc: -ENOENT }]);
    assert.deepEqual(t.pick('arch_ioreq_server_map_pages', 'bufioreq', ['rc'], from), [{ rc: -ENOENT }]);
    // hvm_map_ioreq_gfn's own unmap (gfn taken), then arch_ioreq_server_map_pages's (gfn INVALID by then).
    assert.deepEqual(t.pick('hvm_unmap_ioreq_gfn', 'check', ['buf', 'gfn'], from), [{ buf: false, gfn: BASE }, { buf: false, gfn: -1 }]);
  });

  it('destroy drops Xen\'s mappings and frees both gfns: buffered first (ioreq.c:220-224)', () => {
    const t = guest();
    const s = server(t, 'q');
    getInfo(t, 'q', 0);
    const [p0, p1] = [s.ioreq.page!, s.bufioreq.page!];
    assert.equal(op(t, 'q', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.deepEqual([p0.xen_maps, p1.xen_maps], [0, 0]);
    assert.deepEqual([s.ioreq.gfn, s.bufioreq.gfn, s.ioreq.page, s.bufioreq.page, s.ioreq.va, s.bufioreq.va], [-1, -1, null, null, null, null]);
    assert.deepEqual(s.how, [null, null]);
    assert.deepEqual(pool(t), { base: BASE, mask: 0xff, legacy_mask: 0x60 });
  });
});

describe('4.21 x86 ioreq.c (mutation): p2m_set_ioreq_server through map_mem_type and destroy (ioreq.c:238-250; x86 mm/p2m.c:174-219 @RELEASE-4.21.0)', () => {
  const W = I.XEN_DMOP_IOREQ_MEM_ACCESS_WRITE;
  const mmt = (t: Rec, name: string, id: number, flags: number) => op(t, name, I.XEN_DMOP_map_mem_type_to_ioreq_server, { id, type: I.HVMMEM_ioreq_server, flags });

  it('one server at a time holds p2m_ioreq_server: another\'s claim is -EBUSY, its release -EINVAL; the holder releases with flags 0', () => {
    const t = guest();
    server(t, 'a');
    server(t, 'b');
    const d = t.domain(G);
    assert.equal(mmt(t, 'a', 0, W), 0);
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [0, W]);
    assert.equal(mmt(t, 'b', 1, W), -EBUSY);
    assert.equal(mmt(t, 'b', 1, 0), -EINVAL, 'server 1 does not hold it');
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [0, W]);
    assert.equal(mmt(t, 'a', 0, 0), 0);
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [-1, 0]);
    assert.equal(mmt(t, 'a', 0, 0), -EINVAL, 'nobody holds it now');
    assert.equal(mmt(t, 'b', 1, W), 0);
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [1, W]);
  });

  it('arch_ioreq_server_destroy lets go only of what the destroyed server holds', () => {
    const t = guest();
    server(t, 'a');
    server(t, 'b');
    const d = t.domain(G);
    assert.equal(mmt(t, 'b', 1, W), 0);
    assert.equal(op(t, 'a', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [1, W], 'server 0 held nothing');
    assert.equal(op(t, 'b', I.XEN_DMOP_destroy_ioreq_server, { id: 1 }), 0);
    assert.deepEqual([d.x421.p2m_ioreq_server, d.x421.p2m_ioreq_flags], [-1, 0]);
  });

  it('a claim is -EBUSY while p2m_ioreq_server entries remain, even with no holder: destroy lets go of the server but not of the entries (p2m.c:199-210, ioreq.c:239-242)', () => {
    const t = guest();
    server(t, 'a');
    server(t, 'b');
    const d = t.domain(G);
    assert.equal(mmt(t, 'a', 0, W), 0);
    // Two frames typed p2m_ioreq_server (HVMOP_set_mem_type, not modelled): p2m->ioreq.entry_count is 2.
    d.x421.p2m_ioreq_gfns = [0xa0, 0xa1];
    assert.equal(op(t, 'a', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.equal(d.x421.p2m_ioreq_server, -1, 'p2m_set_ioreq_server(target, 0, s): no holder');
    assert.deepEqual(d.x421.p2m_ioreq_gfns, [0xa0, 0xa1], 'the entries keep their type');
    assert.equal(mmt(t, 'b', 1, W), -EBUSY);
    assert.equal(d.x421.p2m_ioreq_server, -1);
    // Once the entries are back to ram_rw the claim goes through.
    d.x421.p2m_ioreq_gfns = [];
    assert.equal(mmt(t, 'b', 1, W), 0);
    assert.equal(d.x421.p2m_ioreq_server, 1);
  });

  it('stops: map_mem_type shows the flags and the holder; destroy shows the holder', () => {
    const t = guest('stepped');
    server(t, 'a');
    let from = t.stops.length;
    mmt(t, 'a', 0, W);
    mmt(t, 'a', 0, 0);
    assert.deepEqual(t.pick('arch_ioreq_server_map_mem_type', 'p2m', ['s', 'flags', 'holder'], from), [{ s: 0, flags: W, holder: -1 }, { s: 0, flags: 0, holder: 0 }]);
    mmt(t, 'a', 0, W);
    from = t.stops.length;
    op(t, 'a', I.XEN_DMOP_destroy_ioreq_server, { id: 0 });
    assert.deepEqual(t.pick('arch_ioreq_server_destroy', 'p2m', ['s', 'mapped'], from), [{ s: 0, mapped: 0 }]);
  });
});

describe('4.21 x86 ioreq.c (mutation): the CF8 latch and arch_ioreq_server_get_type_addr (ioreq.c:265-321; asm/pci.h:6-9; hvm/io.c:238-250)', () => {
  it('CF8_* take the bdf from bits 8-23, the register from bits 2-7 and enable from bit 31', () => {
    assert.equal(CF8_BDF(0xffab1a17), 0xab1a);
    assert.equal(CF8_ADDR_LO(0xffab1a17), 0x14);
    assert.equal(CF8_ENABLED(0x80000000), true);
    assert.equal(CF8_ENABLED(0x7fffffff), false);
  });

  it('a port access to 0xcfc-0xcff with CF8 enabled is PCI config: segment 0, the bdf and register from CF8, the low bits from the port', () => {
    const t = guest();
    const d = t.domain(G);
    const h = flatHvm(t);
    const pio = (addr: bigint): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr, size: 1, count: 1 });
    d.x421.pci_cf8 = 0xffab1a17;
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, pio(0xcffn)), { ok: true, type: I.XEN_DMOP_IO_RANGE_PCI, addr: (0xab1an << 32n) | 0x17n });
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, pio(0xcfcn)), { ok: true, type: I.XEN_DMOP_IO_RANGE_PCI, addr: (0xab1an << 32n) | 0x14n });
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, pio(0x3f8n)), { ok: true, type: I.XEN_DMOP_IO_RANGE_PORT, addr: 0x3f8n }, 'another port');
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, pio(0xcf8n)), { ok: true, type: I.XEN_DMOP_IO_RANGE_PORT, addr: 0xcf8n }, '0xcf8 itself');
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, { ...pio(0xcfcn), type: A.IOREQ_TYPE_COPY }), { ok: true, type: I.XEN_DMOP_IO_RANGE_MEMORY, addr: 0xcfcn }, 'MMIO at 0xcfc');
    d.x421.pci_cf8 = 0x7fab1a14;
    assert.deepEqual(h.archIoreqServerGetTypeAddr(d, pio(0xcfcn)), { ok: true, type: I.XEN_DMOP_IO_RANGE_PORT, addr: 0xcfcn }, 'CF8 not enabled: a plain port');
    for (const type of [A.IOREQ_TYPE_TIMEOFFSET, A.IOREQ_TYPE_INVALIDATE, A.IOREQ_TYPE_PCI_CONFIG]) {
      assert.deepEqual(h.archIoreqServerGetTypeAddr(d, { ...pio(0x3f8n), type }), { ok: false, type: 0, addr: 0n }, `type ${type}`);
    }
  });

  it('hvm_access_cf8 latches only a 4-byte write and always falls through to the emulators (X86EMUL_UNHANDLEABLE)', () => {
    const t = guest();
    const d = t.domain(G);
    const v = t.vcpu(G, 0);
    const call = (dir: number, bytes: number, val: number) => t.m.flatRun('vcpu0', v, (f) => (f.x421!.hvm as unknown as Hvm421Flat).hvmAccessCf8(v, dir, bytes, val)).value;
    assert.equal(call(A.IOREQ_WRITE, 4, 0x80001810), X86EMUL_UNHANDLEABLE);
    assert.equal(d.x421.pci_cf8, 0x80001810);
    assert.equal(call(A.IOREQ_WRITE, 2, 0x1234), X86EMUL_UNHANDLEABLE);
    assert.equal(call(A.IOREQ_WRITE, 1, 0x12), X86EMUL_UNHANDLEABLE);
    assert.equal(call(A.IOREQ_READ, 4, 0x0), X86EMUL_UNHANDLEABLE);
    assert.equal(d.x421.pci_cf8, 0x80001810, 'narrow writes and reads leave the latch');
    assert.equal(call(A.IOREQ_WRITE, 4, -1), X86EMUL_UNHANDLEABLE);
    assert.equal(d.x421.pci_cf8, 0xffffffff, 'kept as the unsigned 32-bit value');
  });

  it('the guest\'s 4-byte OUT to 0xcf8 is latched with a cf8_latch event; a 4-byte IN from 0xcf8 is not', () => {
    const t = guest();
    const from = t.m.x.events.length;
    t.pio(G, 1, 0xcf8, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.deepEqual(x86Events(t, from), [
      { kind: 'cf8_latch', fn: 'hvm_access_cf8', domid: G, vcpu: 1, before: 0, after: 0x80001810, text: 'd1v1 CF8 latched 0x80001810' },
    ]);
    const f2 = t.m.x.events.length;
    t.pio(G, 1, 0xcf8, 4, A.IOREQ_READ);
    assert.equal(t.domain(G).x421.pci_cf8, 0x80001810);
    assert.deepEqual(x86Events(t, f2), []);
  });

  it('stops: the latch shows dir, bytes and the value; get_type_addr shows the type and CF8, then the decoded sbdf and register', () => {
    const t = guest('stepped');
    const sbdf = 0x18;
    const dm = t.addDm('q', 'qemu', 0, G);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PCI, BigInt(sbdf), BigInt(sbdf)]];
    assert.equal(t.dmInit('q').value, 0, dm.last_error ?? '');
    assert.equal(t.mapRanges('q').value, 0);
    let from = t.stops.length;
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.deepEqual(t.pick('hvm_access_cf8', 'latch', ['dir', 'bytes', 'val'], from), [{ dir: A.IOREQ_WRITE, bytes: 4, val: 0x80001810 }]);
    from = t.stops.length;
    t.pio(G, 0, 0xcfe, 2, A.IOREQ_READ);
    assert.deepEqual(t.labels('arch_ioreq_server_get_type_addr', from), ['type', 'pci']);
    assert.deepEqual(t.pick('arch_ioreq_server_get_type_addr', 'type', ['type', 'cf8'], from), [{ type: A.IOREQ_TYPE_PIO, cf8: 0x80001810 }]);
    assert.deepEqual(t.pick('arch_ioreq_server_get_type_addr', 'pci', ['sbdf', 'reg'], from), [{ sbdf: 0x18n, reg: 0x12n }]);
  });
});

describe('4.21 x86 ioreq.c (mutation): every stop is a statement of the x86 listing', () => {
  it('a run through create, get_info, enable, I/O, disable, destroy and the guest\'s end stops only on labels of 4.21/arch/x86/hvm/ioreq.c', () => {
    const t = guest('stepped');
    server(t, 'a');
    getInfo(t, 'a', 0);
    op(t, 'a', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 0, type: I.HVMMEM_ioreq_server, flags: I.XEN_DMOP_IOREQ_MEM_ACCESS_WRITE });
    op(t, 'a', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 });
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, 0x80001810n);
    t.pio(G, 0, 0xcfc, 4, A.IOREQ_READ);
    op(t, 'a', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 });
    op(t, 'a', I.XEN_DMOP_destroy_ioreq_server, { id: 0 });
    for (let k = 0; k < 5; k++) { server(t, `b${k}`); getInfo(t, `b${k}`, k); }
    // domain_kill on the stepped build (Driver421.kill drains it unrecorded): ioreq_server_destroy_all's arch hook.
    t.run('toolstack', null, () => t.m.stepped.libxc.domainKill(t.domain(G)) as unknown as Co<number>);
    assert.equal(t.domain(G).x421.server.filter((x) => x).length, 0, 'the five servers went with the guest');
    assert.deepEqual(t.pick('arch_ioreq_server_destroy_all', 'cf8', ['d']), [{ d: t.domain(G) }]);
    const seen = new Set<string>();
    for (const s of t.stops) {
      if (!X86_FNS.has(s.fn)) continue;
      assert.ok(LISTING.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at}`);
      seen.add(`${s.fn}@${s.at}`);
    }
    const all = [...LISTING.fns.entries()].flatMap(([fn, f]) => [...f.labels.keys()].filter((l) => l !== 'entry').map((l) => `${fn}@${l}`));
    assert.deepEqual(all.filter((x) => !seen.has(x)), [], 'every statement of the listing was stopped on');
  });
});
