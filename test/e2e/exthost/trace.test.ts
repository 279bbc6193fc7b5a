// The trace command in a real extension host: golden xentrace and QEMU traces imported through the bundled command
// line in a child process, shown in the trace webview; the view's actions write a scenario and check it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { activate, hostSuite, vs } from './host';
import { writeFlow, type FlowIo } from '../../../src/trace/synth';

const io = (p: Partial<FlowIo>): FlowIo => ({ dom: 1, vcpu: 0, cpu: 0, kind: 'pio', dir: 'write', addr: 0x3f8n, data: 0x41n, size: 1, dm: true, ...p });

hostSuite('trace', () => {
  let dir: string;
  before(async () => {
    await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-e2e-trace-'));
    const g = writeFlow([io({}), io({ dir: 'read', addr: 0xcfcn, data: 0xdeadbeefn, size: 4 }), io({ vcpu: 1, cpu: 1, dm: false, addr: 0x70n })]);
    fs.writeFileSync(path.join(dir, 'golden.bin'), g.xentrace);
    fs.writeFileSync(path.join(dir, 'qemu.log'), g.log.iso);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports a xentrace capture with its QEMU log and shows the timeline and summary', async () => {
    const files = ['golden.bin', 'qemu.log'].map((f) => vs().Uri.file(path.join(dir, f)));
    const r = await vs().commands.executeCommand<Record<string, unknown>>('ioreqScope.openTrace', files[0], files);
    assert.deepStrictEqual([r.ios, r.matched, r.gaps, r.errors, r.summaryOnly], [3, 2, 0, [], false]);
    assert.strictEqual(r.rows, 2, 'the write to 0x3f8 and the Xen-handled write to 0x70 are counted; the device-model read is not');
    // The sequence diagram: a lifeline per vcpu, Xen and QEMU; the two device-model I/O with QEMU's handling (exit,
    // request, handling, answer, VMENTRY), the Xen-handled one with its exit and VMENTRY.
    assert.deepStrictEqual(r.lanes, ['d1v0', 'd1v1', 'xen', 'dm']);
    assert.strictEqual(r.sequenceItems, 5 + 5 + 2);
  });

  it('checks the trace against the model and writes it as a scenario beside it, never over a file', async () => {
    const c = await vs().commands.executeCommand<Record<string, unknown>>('ioreqScope.traceAction', 'check');
    assert.deepStrictEqual(c, { disagreements: 0 });
    fs.writeFileSync(path.join(dir, 'golden.ioreq.json'), '{}');
    const s = await vs().commands.executeCommand<Record<string, unknown>>('ioreqScope.traceAction', 'scenario');
    assert.strictEqual(s.scenario, path.join(dir, 'golden-1.ioreq.json'));
    assert.strictEqual(fs.readFileSync(path.join(dir, 'golden.ioreq.json'), 'utf8'), '{}');
    const doc = JSON.parse(fs.readFileSync(s.scenario as string, 'utf8'));
    assert.deepStrictEqual(doc.steps.slice(4).map((x: { actor: string; op: string }) => `${x.actor} ${x.op}`),
      ['d1v0 pio_write', 'qemu cpu_handle_ioreq', 'd1v0 hvm_do_resume', 'd1v0 pio_read', 'qemu cpu_handle_ioreq', 'd1v0 hvm_do_resume']);
  });

  it('opens a capture with "Open With… IOREQ Scope Trace" (a read-only custom editor)', async () => {
    const uri = vs().Uri.file(path.join(dir, 'golden.bin'));
    await vs().commands.executeCommand('vscode.openWith', uri, 'ioreqScope.traceEditor');
    const tab = vs().window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab && tab.input instanceof vs().TabInputCustom, `the active tab is ${tab?.label}`);
    assert.strictEqual((tab!.input as { viewType: string }).viewType, 'ioreqScope.traceEditor');
    assert.strictEqual((tab!.input as { uri: { fsPath: string } }).uri.fsPath, uri.fsPath);
    await vs().commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('reports a corrupt capture with its place and still shows what came before it', async () => {
    const g = fs.readFileSync(path.join(dir, 'golden.bin'));
    fs.writeFileSync(path.join(dir, 'cut.bin'), g.subarray(0, g.length - 6));
    const r = await vs().commands.executeCommand<Record<string, unknown>>('ioreqScope.openTrace', vs().Uri.file(path.join(dir, 'cut.bin')));
    assert.match(String((r.errors as string[])[0]), /cut\.bin@\d+: truncated/);
    assert.ok((r.ios as number) >= 1);
  });
});
