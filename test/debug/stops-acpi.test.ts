// The seed's do_hvm_op HVMOP_set_param of HVM_PARAM_ACPI_S_STATE stops at each line of its case (issue 12): along
// scenario 51's three sets (3 suspends, 1 is refused, 0 resumes), the labels of each call in order, and rc at the
// case's break.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { show } from '../../src/debug/values';
import { parseScenario } from '../../src/scenario/parse';
import type { Frame } from '../../src/model/step';

const ROOT = path.join(__dirname, '../../..');
const F51 = path.join(ROOT, 'scenarios', '51-params-range-checks.ioreq.json');

describe("debugger: the seed's HVM_PARAM_ACPI_S_STATE set case stops at each of its lines (issue 12)", () => {
  it('3 suspends, 1 is -EINVAL, 0 resumes: each call stops at the lines it runs, in order', () => {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F51, 'utf8'), F51));
    const calls = new Map<Frame, { at: string[]; rc: string[] }>();
    for (let s = rt.stepIn('toolstack'); s.reason !== 'end'; s = rt.stepIn('toolstack')) {
      const top = rt.frames().at(-1);
      if (!top || top.fn !== 'do_hvm_op' || !top.at.startsWith('acpi_s_state')) continue;
      const c = calls.get(top) ?? { at: [], rc: [] };
      c.at.push(top.at);
      c.rc.push(show('rc', top.locals.rc).value);
      calls.set(top, c);
    }
    const head = ['acpi_s_state', 'acpi_s_state_self', 'acpi_s_state_ok', 'acpi_s_state_suspend'];
    const got = [...calls.values()];
    assert.deepEqual(got.map((c) => c.at), [
      [...head, 'acpi_s_state_break'],
      [...head, 'acpi_s_state_resume', 'acpi_s_state_einval', 'acpi_s_state_break'],
      [...head, 'acpi_s_state_resume', 'acpi_s_state_break'],
    ]);
    // rc before each statement: -EPERM is set at the first, 0 after the self check, -EINVAL for the value 1.
    assert.deepEqual(got.map((c) => c.rc.at(-1)), ['0', '-EINVAL', '0']);
    assert.equal(got[0].rc[2], '-EPERM', 'rc = -EPERM has run when the self check is passed');
  });
});
