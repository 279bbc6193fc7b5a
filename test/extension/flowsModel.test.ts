// The extension's flows without VS Code: counterexample file names (beside the scenario, never overwriting), the
// template picker's items, the explore summary and the not-a-scenario message.
import assert from 'node:assert/strict';
import * as path from 'path';
import { counterexamplePath, counterexampleText, freshScenarioPath, exploreSummary, isSyntaxError, notAScenarioMessage, templateItem } from '../../src/extension/flowsModel';
import { parseScenario } from '../../src/scenario/parse';
import { ScenarioError } from '../../src/scenario/errors';

describe('extension flows (vscode-free)', () => {
  it('saves a counterexample in counterexamples/ beside the scenario, adding a suffix instead of overwriting', () => {
    const sc = path.join('/w', 'sub', 'lost.ioreq.json');
    const taken = new Set<string>();
    const first = counterexamplePath(sc, 'lost-request', (p) => taken.has(p));
    assert.equal(first, path.join('/w', 'sub', 'counterexamples', 'lost.lost-request.ioreq.json'));
    taken.add(first);
    const second = counterexamplePath(sc, 'lost-request', (p) => taken.has(p));
    assert.equal(second, path.join('/w', 'sub', 'counterexamples', 'lost.lost-request-2.ioreq.json'));
    taken.add(second);
    assert.equal(counterexamplePath(sc, 'lost-request', (p) => taken.has(p)), path.join('/w', 'sub', 'counterexamples', 'lost.lost-request-3.ioreq.json'));
    assert.equal(path.basename(counterexamplePath(sc, 'a/b c', () => false)), 'lost.a-b-c.ioreq.json');
  });

  it('names a new scenario after its template or host, never over an existing file, and never as a hidden or path name', () => {
    const taken = new Set([path.join('/w', '02-create.ioreq.json')]);
    assert.equal(freshScenarioPath('/w', '02-create.ioreq.json', (p) => taken.has(p)), path.join('/w', '02-create-2.ioreq.json'));
    assert.equal(freshScenarioPath('/w', 'host-xen box', () => false), path.join('/w', 'host-xen-box.ioreq.json'));
    assert.equal(freshScenarioPath('/w', '../../etc/x', () => false), path.join('/w', 'etc-x.ioreq.json'));
    assert.equal(freshScenarioPath('/w', '...', () => false), path.join('/w', 'scenario.ioreq.json'));
  });

  it("a counterexample's text is a scenario the parser reads, headed by the violation", () => {
    const ce = { profile: 'seed', steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }] };
    const text = counterexampleText({ kind: 'lost-request', message: 'a request\nwas lost', counterexample: ce }, '/w/x.ioreq.json');
    assert.match(text, /^\/\/ lost-request: a request was lost\n/);
    assert.equal(parseScenario(text, 'c.ioreq.json').steps.length, 1);
  });

  it("the template picker shows a scenario's name and description, falling back to the file name", () => {
    assert.deepEqual(templateItem('a.ioreq.json', '// c\n{ "name": "Two servers", "description": "Shows X.", "profile": "seed", "steps": [] }'),
      { label: 'Two servers', description: 'a.ioreq.json', detail: 'Shows X.', file: 'a.ioreq.json' });
    assert.deepEqual(templateItem('b.ioreq.json', '{ "profile": "seed", '), { label: 'b.ioreq.json', description: 'b.ioreq.json', detail: undefined, file: 'b.ioreq.json' });
  });

  it('tells syntax errors (left to the JSON language service) from the rest', () => {
    const err = (t: string) => { try { parseScenario(t, 'f.ioreq.json'); } catch (e) { return (e as ScenarioError).what; } return ''; };
    assert.ok(isSyntaxError(err('{ "profile": "seed" "steps": [] }')));
    assert.ok(!isSyntaxError(err('{ "profile": "seed", "steps": [{ "actor": "toolstack", "op": "nope" }] }')));
  });

  it('words the explore summary and the not-a-scenario launch', () => {
    assert.deepEqual(exploreSummary('/w/x.ioreq.json', 1234, 2, true), { label: 'x.ioreq.json: 2 violations', description: '1234 states' });
    assert.deepEqual(exploreSummary('/w/x.ioreq.json', 1, 0, false), { label: 'x.ioreq.json: no violations', description: '1 state, search incomplete' });
    assert.match(notAScenarioMessage('/w/.vscode/launch.json'), /^IOREQ Scope: launch\.json is not a scenario \(a \*\.ioreq\.json file\)/);
    assert.match(notAScenarioMessage(undefined), /no scenario is open/);
  });
});
