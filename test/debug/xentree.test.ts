// Frames beside the user's own Xen tree: findInXenTree locates a function's definition by name.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findInXenTree } from '../../src/debug/session';

describe('debug: the user\'s Xen tree', () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-tree-'));
  before(() => {
    fs.mkdirSync(path.join(tree, 'xen/arch/x86/hvm'), { recursive: true });
    // A stand-in hvm.c with a prototype (ignored), a call (ignored) and the definitions (found).
    fs.writeFileSync(path.join(tree, 'xen/arch/x86/hvm/hvm.c'), [
      '#include <xen/lib.h>',
      'static int hvm_create_ioreq_server(struct domain *d, domid_t domid);',
      '',
      'void hvm_do_resume(struct vcpu *v)',
      '{',
      '    rc = hvm_create_ioreq_server(d, domid);',
      '}',
      '',
      'static int hvm_create_ioreq_server(struct domain *d, domid_t domid)',
      '{',
      '    return 0;',
      '}',
    ].join('\n'));
    fs.writeFileSync(path.join(tree, 'xen/arch/x86/hvm/io.c'), 'int hvm_buffered_io_send(ioreq_t *p)\n{\n}\n');
  });
  after(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('finds a definition, not its prototype or a call', () => {
    assert.deepEqual(findInXenTree(tree, 'hvm_create_ioreq_server'), { path: path.join(tree, 'xen/arch/x86/hvm/hvm.c'), line: 9 });
    assert.deepEqual(findInXenTree(tree, 'hvm_do_resume'), { path: path.join(tree, 'xen/arch/x86/hvm/hvm.c'), line: 4 });
  });

  it('looks in io.c too, and answers undefined for a function the tree does not have', () => {
    assert.equal(findInXenTree(tree, 'hvm_buffered_io_send')!.line, 1);
    assert.equal(findInXenTree(tree, 'hvm_wait_on_io'), undefined);
    assert.equal(findInXenTree(path.join(tree, 'nope'), 'hvm_do_resume'), undefined);
  });
});
