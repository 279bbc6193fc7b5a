// The extension activates in a real extension host and exports its test API.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { activate, extension, hostSuite, need } from './host';
import { COMMANDS, DEBUG_TYPE, TREE_ITEM_COMMANDS, VIEW_CONTAINER, VIEWS } from '../contract';

hostSuite('activation', () => {
  it('activates and exports the test API with its version', async () => {
    const ext = extension();
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
