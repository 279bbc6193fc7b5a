// "Did you mean" for unknown ops, params, actors and fields: the edit distance, the choice of close names, and the
// parser's located messages that carry them (file:line:column kept).
import assert from 'node:assert/strict';
import { ScenarioError } from '../../src/scenario/errors';
import { parseScenario } from '../../src/scenario/parse';
import { OP_NAMES } from '../../src/scenario/ops';
import { didYouMean, editDistance, suggest } from '../../src/scenario/suggest';

const FILE = 'dym.ioreq.json';

function errorOf(text: string): ScenarioError {
  try { parseScenario(text, FILE); } catch (e) { assert.ok(e instanceof ScenarioError, String(e)); return e; }
  assert.fail('expected a ScenarioError');
}

/** A scenario with a device model 'qemu' serving d1 (2 vcpus), whose third line (1-based 4) is `step`. */
function withStep(step: string): string {
  return [
    '{ "profile": "seed", "deviceModels": [{ "name": "qemu", "domid": 0, "target": 1 }],',
    '  "steps": [',
    '    { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 2 },',
    `    ${step}`,
    '  ] }',
  ].join('\n');
}

describe('did you mean', () => {
  it('edit distance counts insertions, deletions, substitutions and swaps', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('evtchn_send', 'evtchn_sned'), 1); // a swap
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('PIO_WRITE', 'pio_write'), 0); // case is ignored
    assert.ok(editDistance('a', 'abcdefgh', 2) > 2); // stops early past the limit
  });

  it('suggests at most three, closest first, and nothing far', () => {
    assert.deepEqual(suggest('abcd', ['abce', 'abcf', 'abcg', 'abch', 'wxyz']), ['abce', 'abcf', 'abcg']); // three, in order
    assert.equal(suggest('pio_wirte', OP_NAMES)[0], 'pio_write');
    assert.ok(suggest('mmio', OP_NAMES).length <= 3);
    assert.deepEqual(suggest('completely_unrelated_name', OP_NAMES), []);
    assert.equal(didYouMean('zzz', ['abc']), '');
    assert.equal(didYouMean('ab', ['abc']), " (did you mean 'abc'?)");
    assert.equal(didYouMean('abd', ['abc', 'abe']), " (did you mean 'abc' or 'abe'?)");
  });

  it('an unknown op names the close ops, not all of them, at the op', () => {
    const e = errorOf(withStep('{ "actor": "d1v0", "op": "pio_wrte", "port": 16, "size": 1, "value": 1 }'));
    assert.deepEqual([e.loc.line, e.loc.column], [4, 24]);
    assert.match(e.what, /^unknown op 'pio_wrte' \(did you mean 'pio_write'/);
    assert.ok(!e.what.includes('xc_domain_set_target'), e.what);
    assert.equal(e.message, `${FILE}:4:24: ${e.what}`);
  });

  it('an op with no close name says so instead of listing every op', () => {
    const e = errorOf(withStep('{ "actor": "d1v0", "op": "frobnicate_the_widget" }'));
    assert.match(e.what, /^unknown op 'frobnicate_the_widget' \(no op has a close name/);
    assert.ok(!e.what.includes('pio_write'), e.what);
  });

  it("an unknown actor names the file's device models and vcpus", () => {
    const q = errorOf(withStep('{ "actor": "qemo", "op": "xen_hvm_init" }'));
    assert.equal(q.loc.line, 4);
    assert.match(q.what, /^unknown actor 'qemo' \(did you mean 'qemu'\?\)$/);
    const t = errorOf(withStep('{ "actor": "toolstak", "op": "xc_domain_unpause", "domid": 1 }'));
    assert.match(t.what, /did you mean 'toolstack'/);
    const v = errorOf(withStep('{ "actor": "d1-v1", "op": "hvm_do_resume" }'));
    assert.match(v.what, /did you mean 'd1v1'/); // d1v1 exists: xc_domain_create gave d1 two vcpus
    const far = errorOf(withStep('{ "actor": "somebody_else_entirely", "op": "hvm_do_resume" }'));
    assert.match(far.what, /expected 'toolstack', a device model \(qemu\) or a vcpu/);
  });

  it('an unknown HVM param names the close params, keeping the HVM_PARAM_ prefix when given', () => {
    const a = errorOf(withStep('{ "actor": "toolstack", "op": "hvmop_get_param", "domid": 1, "param": "IOREQ_PNF" }'));
    assert.equal(a.loc.line, 4);
    assert.match(a.what, /^unknown HVM param 'IOREQ_PNF' for profile seed \(did you mean 'IOREQ_PFN'/);
    const b = errorOf(withStep('{ "actor": "toolstack", "op": "hvmop_get_param", "domid": 1, "param": "HVM_PARAM_BUFIOREQ_PFM" }'));
    assert.match(b.what, /did you mean 'HVM_PARAM_BUFIOREQ_PFN'/);
  });

  it("an unexpected field names the op's close arguments", () => {
    const e = errorOf(withStep('{ "actor": "d1v0", "op": "pio_write", "port": 16, "size": 1, "value": 1, "sise": 1 }'));
    assert.match(e.what, /unexpected field 'sise' for op 'pio_write' \(did you mean 'size'\?\)/);
  });
});
