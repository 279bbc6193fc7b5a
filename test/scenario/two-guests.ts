// A scenario fixture the explorer's tests share (reduce.test.ts, mut-parallel.test.ts).
import { parseScenario, type Scenario } from '../../src/scenario/parse';

/** Two guests, each with its own QEMU, each vcpu doing `rounds` port writes: two stories that share nothing. */
export function twoGuests(rounds: number): Scenario {
  const steps: unknown[] = [];
  for (const d of [1, 2]) steps.push({ actor: 'toolstack', op: 'xc_domain_create', domid: d, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: d });
  for (const d of [1, 2]) steps.push({ actor: `qemu${d}`, op: 'xen_hvm_init', when: { path: `domains.${d}.params.IOREQ_PFN`, exists: true } });
  for (const d of [1, 2]) steps.push({ actor: 'toolstack', op: 'xc_domain_unpause', domid: d, when: { path: `deviceModels.${d - 1}.bufioreqLocalPort`, notEquals: -1 } });
  for (const d of [1, 2]) {
    for (let r = 0; r < rounds; r++) {
      steps.push({ actor: `d${d}v0`, op: 'pio_write', port: '0x3f8', size: 1, value: `0x4${r}` }, { actor: `d${d}v0`, op: 'hvm_do_resume' });
      steps.push({ actor: `qemu${d}`, op: 'cpu_handle_ioreq', vcpu: 0 });
    }
  }
  const doc = { profile: 'seed', deviceModels: [{ name: 'qemu1', domid: 0, target: 1 }, { name: 'qemu2', domid: 0, target: 2 }], steps };
  return parseScenario(JSON.stringify(doc), 'two-guests.ioreq.json');
}
