// package.json's debugger contributions: Step Back and Reverse Continue have keys while an ioreq-scope session is
// paused, which do not take VS Code's own debug keys.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));

describe('package.json: keys for reverse debugging', () => {
  const kb: Array<{ command: string; key: string; when?: string }> = pkg.contributes.keybindings ?? [];
  for (const command of ['workbench.action.debug.stepBack', 'workbench.action.debug.reverseContinue']) {
    it(`${command} has a key, only while an ioreq-scope session is stopped`, () => {
      const b = kb.find((k) => k.command === command);
      assert.ok(b, 'bound');
      assert.match(b!.when ?? '', /debugType == 'ioreq-scope'/);
      assert.match(b!.when ?? '', /debugState == 'stopped'/);
      // VS Code's own: continue, step over / into / out, restart, stop, toggle breakpoint.
      assert.ok(!['f5', 'f10', 'f11', 'shift+f11', 'ctrl+shift+f5', 'shift+f5', 'f9'].includes(b!.key.toLowerCase()), b!.key);
    });
  }
  it('the two keys differ', () => {
    const keys = kb.filter((k) => /debug\.(stepBack|reverseContinue)$/.test(k.command)).map((k) => k.key);
    assert.equal(new Set(keys).size, 2);
  });
});
