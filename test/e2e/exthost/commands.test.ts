// Every command the extension contributes is registered once it is active.
import * as assert from 'assert';
import { activate, extension, hostSuite, vs } from './host';
import { COMMANDS, PALETTE_PREFIX, TREE_ITEM_COMMANDS } from '../contract';

hostSuite('commands', () => {
  before(async () => { await activate(); });

  it('registers every promised and every contributed command', async () => {
    const registered = new Set(await vs().commands.getCommands(true));
    const contributed = ((extension().packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
    const missing = [...new Set([...COMMANDS, ...TREE_ITEM_COMMANDS, ...contributed])].filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('titles the palette commands "IOREQ Scope: …"', () => {
    const contributed = (extension().packageJSON.contributes?.commands ?? []) as { command: string; title: string; category?: string }[];
    for (const id of COMMANDS) {
      const c = contributed.find((x) => x.command === id);
      assert.ok(c, `${id} not contributed`);
      const shown = c.category ? `${c.category}: ${c.title}` : c.title;
      assert.ok(shown.startsWith(PALETTE_PREFIX), `${id} shows as "${shown}"`);
    }
  });
});
