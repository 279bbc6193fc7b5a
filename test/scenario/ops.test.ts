// The table of operations is the one declaration of each op: the shipped schema is exactly what it gives, the
// parser takes its actors, argument conversions, cross-argument checks and profiles from it, and the runner and the
// explorer its enabling rules and model calls.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Model } from '../../src/model/model';
import { actorBlocked, OPS, OP_NAMES, opSpec, stepFrameName, type OpSpec } from '../../src/scenario/ops';
import { parseScenario } from '../../src/scenario/parse';
import { buildSchema } from '../../src/scenario/schema';
import { ScenarioError } from '../../src/scenario/errors';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function scenario(steps: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps, ...extra }, null, 1);
}
function parseErr(text: string): string {
  try { parseScenario(text, 'x.ioreq.json'); } catch (e) { if (e instanceof ScenarioError) return e.message; throw e; }
  return '';
}

describe('scenario: the table of operations', () => {
  it('schema/scenario.schema.json is exactly what the table gives (run tools/gen-schema.js after changing ops.ts)', () => {
    const shipped = fs.readFileSync(path.join(ROOT, 'schema', 'scenario.schema.json'), 'utf8');
    assert.strictEqual(shipped, JSON.stringify(buildSchema(), null, 1) + '\n');
  });

  it("the schema has one clause per op, naming the op's arguments and requiring the required ones", () => {
    const s = buildSchema() as any;
    assert.deepStrictEqual(s.definitions.step.properties.op.enum, OP_NAMES);
    for (const [i, name] of OP_NAMES.entries()) {
      const clause = s.definitions.step.allOf[i];
      const spec = opSpec(name)!;
      assert.strictEqual(clause.if.properties.op.const, name);
      const args = Object.keys(clause.then.properties).filter((k) => !['op', 'actor', 'expect', 'after', 'note', 'when'].includes(k));
      assert.deepStrictEqual(args, Object.keys(spec.args), name);
      assert.deepStrictEqual(clause.then.required, ['op', 'actor', ...Object.entries(spec.args).filter(([, a]) => a.required).map(([k]) => k)], name);
      assert.strictEqual(clause.then.additionalProperties, false);
    }
  });

  it("refuses an op by an actor the table does not list, naming who does it", () => {
    assert.match(parseErr(scenario([{ op: 'pio_read', actor: 'toolstack', port: 1, size: 1 }])), /x\.ioreq\.json:\d+:\d+: op 'pio_read' is done by a vcpu \(d<domid>v<n>\), not by 'toolstack'/);
    assert.match(parseErr(scenario([{ op: 'cpu_handle_ioreq', actor: 'd1v0', vcpu: 0 }])), /op 'cpu_handle_ioreq' is done by a device model, not by 'd1v0'/);
  });

  it('refuses an op in a profile the table does not give it, with its location', () => {
    const saved = (OPS.send_invalidate_req as OpSpec).profiles;
    (OPS.send_invalidate_req as OpSpec).profiles = ['legacy'];
    try {
      const text = scenario([{ op: 'send_invalidate_req', actor: 'd1v0' }]);
      assert.match(parseErr(text), /x\.ioreq\.json:\d+:\d+: op 'send_invalidate_req' does not exist in profile seed \(it is in legacy\)/);
    } finally {
      (OPS.send_invalidate_req as OpSpec).profiles = saved;
    }
  });

  it("converts arguments as the table says: params by name, 64-bit values, I/O ports (and only pio's port)", () => {
    const sc = parseScenario(scenario([
      { op: 'hvmop_get_param', actor: 'qemu', param: 'HVM_PARAM_IOREQ_PFN' },
      { op: 'pio_write', actor: 'd1v0', port: '0xcf8', size: 4, value: '0x80000000' },
      { op: 'evtchn_send', actor: 'qemu', port: 3 },
      { op: 'mmio_write', actor: 'd1v0', addr: '0xfffffffffffff000', size: 8, value: '0xffffffffffffffff' },
    ]), 'x.ioreq.json');
    assert.strictEqual(sc.steps[0].args.param, 5);
    assert.strictEqual(sc.steps[1].args.port, 0xcf8);
    assert.strictEqual(sc.steps[1].args.value, 0x80000000n);
    assert.strictEqual(sc.steps[2].args.port, 3);
    assert.strictEqual(sc.steps[3].args.addr, 0xfffffffffffff000n);
    assert.match(parseErr(scenario([{ op: 'pio_read', actor: 'd1v0', port: '0x10000', size: 1 }])), /'port' must be an I\/O port from 0 to 0xffff/);
  });

  it("runs the table's cross-argument checks at the argument they blame", () => {
    assert.match(parseErr(scenario([{ op: 'pio_write', actor: 'd1v0', port: 1, size: 1, value: 256 }])), /:\d+:\d+: 'value' does not fit in 1 byte\(s\)/);
    assert.match(parseErr(scenario([{ op: 'hvmop_get_param', actor: 'toolstack', param: 'IOREQ_PFN' }])), /'hvmop_get_param' by the toolstack needs 'domid'/);
    assert.match(parseErr(scenario([{ op: 'evtchn_bind_interdomain', actor: 'qemu' }])), /needs either 'vcpu' or 'buffered': true/);
  });

  it("gives the enabling rules: the actor's own checks, then the op's, and ops that may run with an I/O in flight", () => {
    const sc = parseScenario(scenario([
      { op: 'xc_domain_unpause', actor: 'toolstack', domid: 1 },
      { op: 'hvm_do_resume', actor: 'd1v0' },
      { op: 'pio_read', actor: 'd1v0', port: 1, size: 1 },
      { op: 'xc_domain_create', actor: 'toolstack', domid: 0, vcpus: 1 },
    ]), 'x.ioreq.json');
    const m = new Model('seed').boot();
    m.addDeviceModel('qemu', 0, 1, 0);
    assert.strictEqual(OPS.xc_domain_unpause.blocked(m, sc.steps[0]), 'domain d1 does not exist');
    assert.strictEqual(actorBlocked(m, sc.steps[1], opSpec('hvm_do_resume')!), 'd1 does not exist');
    assert.strictEqual(OPS.xc_domain_create.blocked(m, sc.steps[3]), 'd0 already exists');
    assert.strictEqual(opSpec('hvm_do_resume')!.whileIoInFlight, true);
    assert.strictEqual(opSpec('pio_read')!.whileIoInFlight, undefined);
  });

  it("names the debugger's step frame after the C-level call where the table gives one", () => {
    const sc = parseScenario(scenario([
      { op: 'hvmop_get_param', actor: 'qemu', param: 'IOREQ_PFN' },
      { op: 'hvmop_set_param', actor: 'toolstack', domid: 1, param: 'DM_DOMAIN', value: 0 },
      { op: 'pio_read', actor: 'd1v0', port: 1, size: 1 },
    ]), 'x.ioreq.json');
    assert.strictEqual(stepFrameName(sc.steps[0]), 'step 0: HVMOP_get_param(target, HVM_PARAM_IOREQ_PFN)');
    assert.strictEqual(stepFrameName(sc.steps[1]), 'step 1: HVMOP_set_param(d1, HVM_PARAM_DM_DOMAIN, 0x0)');
    assert.strictEqual(stepFrameName(sc.steps[2]), 'step 2: pio_read');
  });
});

describe("scenario ops of each profile's own hypercalls (4.5's HVMOPs 17-22, today's DMOPs)", () => {
  const x421 = (steps: unknown[], dms: unknown[] = [{ name: 'qemu', domid: 0, target: 1 }], profile = '4.21') =>
    JSON.stringify({ profile, deviceModels: dms, steps });
  const guest = [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 }];

  it('an op a profile lacks is refused at the op, naming the profiles that have it', () => {
    assert.match(parseErr(scenario([{ actor: 'qemu', op: 'xendevicemodel_create_ioreq_server' }])), /op 'xendevicemodel_create_ioreq_server' does not exist in profile seed \(it is in 4\.21, 4\.21-arm\)/);
    assert.match(parseErr(scenario([{ actor: 'qemu', op: 'hvmop_create_ioreq_server' }])), /does not exist in profile seed \(it is in 4\.5\)/);
    assert.match(parseErr(x421([{ actor: 'qemu', op: 'xen_hvm_init' }])), /op 'xen_hvm_init' does not exist in profile 4\.21 \(it is in legacy, seed, 4\.5\)/);
    assert.match(parseErr(x421([{ actor: 'd1v0', op: 'pio_write', port: 1, size: 1, value: 1 }], [], '4.21-arm')), /op 'pio_write' does not exist in profile 4\.21-arm/);
    assert.match(parseErr(x421([{ actor: 'qemu', op: 'xendevicemodel_map_mem_type_to_ioreq_server', flags: 2 }], undefined, '4.21-arm')), /does not exist in profile 4\.21-arm \(it is in 4\.21\)/);
  });

  it("a device model's own start-up op belongs to its kind; kind is for the 4.21 profiles only", () => {
    assert.match(parseErr(x421([{ actor: 'qemu', op: 'varstored_initialize' }])), /op 'varstored_initialize' is varstored's; 'qemu' is a qemu device model/);
    assert.match(parseErr(scenario([], { deviceModels: [{ name: 'v', domid: 0, target: 1, kind: 'virtio' }] })), /'kind' is for the 4\.21 profiles/);
    assert.equal(parseErr(x421([{ actor: 'v', op: 'virtio_backend_init' }], [{ name: 'v', domid: 0, target: 1, kind: 'virtio' }], '4.21-arm')), '');
  });

  it('holdAfterSend is 4.21 x86 only; hvm_io_continue waits for a held access and then runs though the vcpu is blocked in Xen', () => {
    assert.match(parseErr(x421([{ actor: 'd1v0', op: 'pio_read', port: 1, size: 1, holdAfterSend: true }], undefined, '4.21-arm')), /pio_read' does not exist in profile 4\.21-arm/);
    assert.match(parseErr(scenario([{ actor: 'd1v0', op: 'pio_read', port: 1, size: 1, holdAfterSend: true }])), /'holdAfterSend' is for the 4\.21 profile/);
    const sc = parseScenario(x421([...guest, { actor: 'qemu', op: 'xen_register_ioreq' },
      { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x510', end: '0x510' },
      { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
      { actor: 'd1v0', op: 'hvm_io_continue' }, { actor: 'd1v0', op: 'pio_read', port: '0x510', size: 1, holdAfterSend: true }]), 'x.ioreq.json');
    const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
    const s = new Session(sc);
    for (const i of [0, 1, 2, 3, 4]) { assert.equal(s.blocked(sc.steps[i]), null, `step ${i}`); s.runFlat(sc.steps[i]); }
    assert.match(s.blocked(sc.steps[5])!, /no port access held after ioreq_send/);
    s.runFlat(sc.steps[6]);
    const v = s.m.x.domains.get(1)!.vcpu[0];
    assert.equal(v.pause_flags.blocked_in_xen, true);
    assert.equal(s.blocked(sc.steps[5]), null);
    assert.equal(s.runFlat(sc.steps[5]).rc, 1);
    assert.equal(v.io.held_rc, -1);
  });

  it("a guest write cannot ask to be buffered in any profile: Xen's stdvga decides (issue 11)", () => {
    assert.match(parseErr(x421([{ actor: 'd1v0', op: 'mmio_write', addr: '0xa0000', size: 2, value: 1, buffered: true }])), /buffered/);
  });

  it('the toolstack must name the server id of a 4.5 HVMOP; a device model defaults to its own', () => {
    const t = JSON.stringify({ profile: '4.5', steps: [{ actor: 'toolstack', op: 'hvmop_set_ioreq_server_state', domid: 1, enabled: true }] });
    assert.match(parseErr(t), /'hvmop_set_ioreq_server_state' by the toolstack needs 'id'/);
  });

  it('a device model step waits until it has a server, and a dead device model makes no more calls', () => {
    const sc = parseScenario(x421([...guest, { actor: 'qemu', op: 'xendevicemodel_set_ioreq_server_state', enabled: true },
      { actor: 'qemu', op: 'dm_exit' }, { actor: 'qemu', op: 'xendevicemodel_create_ioreq_server' }]), 'x.ioreq.json');
    const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
    const s = new Session(sc);
    s.runFlat(sc.steps[0]); s.runFlat(sc.steps[1]);
    assert.equal(s.blocked(sc.steps[2]), 'the device model has no ioreq server yet');
    assert.equal(s.runFlat(sc.steps[3]).rc, 0);
    assert.equal(s.blocked(sc.steps[4]), 'the device model has exited');
  });

  it('xendevicemodel_create_ioreq_server returns the slot id and the device model keeps it; the ninth is -ENOSPC', () => {
    const creates = Array.from({ length: 9 }, () => ({ actor: 'qemu', op: 'xendevicemodel_create_ioreq_server', bufioreq: 'off' }));
    const sc = parseScenario(x421([...guest, ...creates]), 'x.ioreq.json');
    const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
    const s = new Session(sc);
    const rs = sc.steps.map((st) => s.runFlat(st));
    assert.deepEqual(rs.slice(2, 10).map((r) => Number(r.value)), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(rs[10].rc, -28);
    assert.equal(s.m.dms.get('qemu')!.ioservid, 7);
  });

  it("4.5's create hands out ids from 1 and get_info gives the device model the pool pfns it then maps", () => {
    const sc = parseScenario(JSON.stringify({ profile: '4.5', deviceModels: [{ name: 'dm', domid: 0, target: 1 }], steps: [...guest,
      { actor: 'dm', op: 'hvmop_create_ioreq_server' }, { actor: 'dm', op: 'hvmop_get_ioreq_server_info' }, { actor: 'dm', op: 'xc_map_foreign_range', page: 'ioreq' }] }), 'x.ioreq.json');
    const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
    const s = new Session(sc);
    const rs = sc.steps.map((st) => s.runFlat(st));
    assert.equal(rs[2].value, 1n);
    const dm = s.m.dms.get('dm')!;
    assert.equal(rs[3].value, BigInt(dm.ioreq_pfn));
    assert.equal(dm.ioreq_pfn, s.m.x.domains.get(1)!.hvm45.ioreq_gmfn.base);
    assert.equal(rs[4].rc, 0);
    assert.ok(dm.shared_page);
  });

  it('each new op names its C-level call as the debugger frame', () => {
    const sc = parseScenario(x421([{ actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
      { actor: 'qemu', op: 'xenforeignmemory_map_resource', frame: 0, nr: 2 }]), 'x.ioreq.json');
    assert.equal(stepFrameName(sc.steps[0]), 'step 0: xendevicemodel_map_io_range_to_ioreq_server(port 0x3f8-0x3ff)');
    assert.equal(stepFrameName(sc.steps[1]), 'step 1: xenforeignmemory_map_resource(XENMEM_resource_ioreq_server, frame 0, nr 2)');
  });
});

describe('scenario: revert (the bug zoo)', () => {
  it('an unknown fix, or one whose code the profile does not have, is a located error; --fixed reads the file without it', () => {
    assert.match(parseErr(JSON.stringify({ profile: '4.21', revert: ['deadbeef00'], steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }] })), /unknown fix 'deadbeef00'|revert/);
    assert.match(parseErr(JSON.stringify({ profile: 'seed', revert: ['282ed258a5'], steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }] })), /fix 282ed258a5 is in the code of 4\.21, not of profile seed/);
    const text = JSON.stringify({ profile: '4.21', revert: ['282ed258a5'], steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }] });
    assert.deepEqual(parseScenario(text, 'z.ioreq.json').revert, ['282ed258a5']);
    assert.deepEqual(parseScenario(text, 'z.ioreq.json', { fixed: true }).revert, []);
  });
});
