// The ids the extension promises (fixed with the extension's author); the e2e tests check them against the running
// extension and against package.json's `contributes`.
export const EXTENSION_ID = 'ioreq-scope.ioreq-scope';
export const VIEW_CONTAINER = { id: 'ioreqScope', title: 'IOREQ Scope' };
export const VIEWS = [
  { id: 'ioreqScope.model', name: 'Model' },
  { id: 'ioreqScope.explore', name: 'Explorer Results' },
];
export const COMMANDS = [
  'ioreqScope.runScenario', 'ioreqScope.debugScenario', 'ioreqScope.exploreScenario', 'ioreqScope.newScenario',
  'ioreqScope.openBundledScenario', 'ioreqScope.showLayout', 'ioreqScope.exportTrace', 'ioreqScope.refresh',
];
export const TREE_ITEM_COMMANDS = ['ioreqScope.revealPage', 'ioreqScope.openListing', 'ioreqScope.copyPfn'];
export const PALETTE_PREFIX = 'IOREQ Scope: ';
export const DEBUG_TYPE = 'ioreq-scope';
export const DIAGNOSTIC_SOURCE = 'ioreq-scope';
export const SCENARIO = '02-create-on-get-ioreq-pfn.ioreq.json';

/** What the extension's activate() returns for tests. */
export interface TreeNodeSnapshot { id: string; label: string; description?: string; command?: string; children?: TreeNodeSnapshot[] }

/** A scenario text with an unknown op on a known line, for diagnostics tests: 0-based `line`, and the 0-based
 *  columns of the member `"op": "<op>"` on it, from the key's quote (`from`) to after the value's (`to`). */
export function brokenScenario(): { text: string; line: number; from: number; to: number; op: string } {
  const op = 'hvmop_no_such_op';
  const lines = [
    '// A scenario with an unknown op on the qemu step: the validator must point at it.',
    '{',
    '  "name": "Broken: unknown op",',
    '  "profile": "seed",',
    '  "deviceModels": [{ "name": "qemu", "domid": 0, "target": 1 }],',
    '  "steps": [',
    '    { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 1 },',
    `    { "actor": "qemu", "op": "${op}", "param": "IOREQ_PFN" }`,
    '  ]',
    '}',
    '',
  ];
  const line = lines.findIndex((l) => l.includes(op));
  const from = lines[line].indexOf('"op"');
  return { text: lines.join('\n'), line, from, to: lines[line].indexOf(op) + op.length + 1, op };
}
