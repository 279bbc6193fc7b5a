// The extension activates in a real extension host and exports its test API. The first test also times activate()
// (for `npm run bench`, bench/activation.ts) beside a do-nothing extension's activate() in the same host (the floor,
// installed by run.ts) and two cheap API calls for scale; the figures go to IOREQ_E2E_ACTIVATION_FILE as JSON.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { activate, extension, hostSuite, need, vs } from './host';
import { COMMANDS, DEBUG_TYPE, TREE_ITEM_COMMANDS, VIEW_CONTAINER, VIEWS } from '../contract';

hostSuite('activation', () => {
  it('activates and exports the test API with its version', async () => {
    const ext = extension();
    await timeActivation();
    const api = await activate();
    assert.ok(ext.isActive, 'extension is not active after activate()');
    const version = need(api, 'version');
    const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    assert.strictEqual(version, pkg.version);
    assert.strictEqual(typeof need(api, 'treeRoots'), 'function');
    assert.strictEqual(typeof need(api, 'diagnostics'), 'function');
  });

  it('contributes the promised container, views, commands and debugger', () => {
    const c = extension().packageJSON.contributes ?? {};
    const containers = (c.viewsContainers?.activitybar ?? []) as { id: string; title: string }[];
    assert.deepStrictEqual(containers.filter((x) => x.id === VIEW_CONTAINER.id).map((x) => x.title), [VIEW_CONTAINER.title]);
    const views = ((c.views ?? {})[VIEW_CONTAINER.id] ?? []) as { id: string; name: string }[];
    for (const v of VIEWS) {
      assert.deepStrictEqual(views.filter((x) => x.id === v.id).map((x) => x.name), [v.name], `view ${v.id}`);
    }
    const declared = ((c.commands ?? []) as { command: string }[]).map((x) => x.command);
    for (const id of [...COMMANDS, ...TREE_ITEM_COMMANDS]) assert.ok(declared.includes(id), `command ${id} not in contributes.commands`);
    assert.ok(((c.debuggers ?? []) as { type: string }[]).some((d) => d.type === DEBUG_TYPE), `no debugger of type ${DEBUG_TYPE}`);
  });
});

const FLOOR_ID = 'ioreq-e2e.activation-floor';
const FIRST_FLOOR_ID = 'ioreq-e2e.activation-floor-first';
const ms = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;

/** activate() of a do-nothing extension run.ts installed, or null (not installed or already active). */
async function timeFloor(id: string): Promise<number | null> {
  const ext = vs().extensions.getExtension(id);
  if (!ext || ext.isActive) return null;
  const t0 = performance.now();
  await ext.activate();
  return ms(t0);
}

/** Times our activate() (null when something activated the extension before this test: a workspace with
 *  *.ioreq.json files does, through workspaceContains) between two do-nothing extensions' activate(): the first pays
 *  whatever the host does on its first activation from a test, the second (the floor) runs as warm as ours. Writes
 *  the figures to IOREQ_E2E_ACTIVATION_FILE when run.ts names one. */
async function timeActivation(): Promise<Record<string, unknown>> {
  const vscode = vs();
  const firstFloorMs = await timeFloor(FIRST_FLOOR_ID);
  let t0 = performance.now();
  const ext = extension();
  const getExtensionMs = ms(t0);
  const alreadyActive = ext.isActive;
  t0 = performance.now();
  await ext.activate();
  const activationMs = alreadyActive ? null : ms(t0);
  const floorActivateEmptyExtensionMs = await timeFloor(FLOOR_ID);
  t0 = performance.now();
  const commands = await vscode.commands.getCommands(true);
  const getCommandsMs = ms(t0);
  const figures = {
    activationMs, alreadyActive, floorActivateEmptyExtensionMs, firstFloorMs,
    floorInstalled: vscode.extensions.getExtension(FLOOR_ID) !== undefined,
    getExtensionMs, getCommandsMs, commands: commands.length,
    workspace: process.env.IOREQ_E2E_WORKSPACE === 'empty' ? 'empty' : 'scenarios', vscode: vscode.version,
  };
  console.log(`activation: ${JSON.stringify(figures)}`);
  const file = process.env.IOREQ_E2E_ACTIVATION_FILE;
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
  }
  return figures;
}
