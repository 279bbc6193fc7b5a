// Issue 12: every statement line of a listing can be stopped on. Over every listing of every profile (legacy, seed,
// 4.5, 4.21, 4.21-arm, the device models' and the tools'), each statement line (test/debug/lines.ts says which
// lines are statements) must carry a label the stepped code stops at. The lines not labelled yet are pinned below,
// function by function: the count may only shrink (a fixed line fails here until its count is lowered), and a
// function not listed may have none.
import { strict as assert } from 'node:assert';
import { allListings, isStatement, unlabelledStatements } from './lines';

/**
 * Why the remaining lines have no stop: the model does each of these statements, inside a stop it yields for the
 * whole block or branch (a check and its error return, a switch case and its break, a struct's field-by-field
 * assignments, a lock/unlock pair around the statement that is labelled), so stepping goes from the block's labelled
 * line to the next labelled one. Closing a gap is a `yield $()` at the statement in the model (stepped build only)
 * and its `@label` on the line.
 */
const KNOWN_GAPS: Record<string, number> = {
  // seed/hvm.c
  //   none left: every statement line has a stop
  // 4.5/hvm.c
  //   none left: every statement line has a stop
};

describe('debugger: every statement line of every listing can be stopped on (issue 12)', () => {
  const gaps = unlabelledStatements();
  const per = new Map<string, typeof gaps>();
  for (const g of gaps) {
    const k = `${g.listing} ${g.fn}`;
    per.set(k, [...(per.get(k) ?? []), g]);
  }

  it('the statement rule: code lines are statements; comments, braces, labels, bare declarations and continuations are not', () => {
    assert.ok(isStatement('rc = -EINVAL;', ''));
    assert.ok(isStatement('int rc = 0;', ''), 'a declaration with an initialiser is a statement');
    assert.ok(isStatement('if (rc) break;', 'x;'));
    assert.ok(isStatement('break;', 'case 1:'));
    for (const t of ['int rc;', 'struct vcpu *v, *w;', 'unsigned long pfn[2];', 'enum hvm_io_state io_state;', '{', '}', '} else {', 'else', 'do {', 'case STATE_IOREQ_READY:', 'default:']) {
      assert.ok(!isStatement(t, ''), t);
    }
    assert.ok(!isStatement('for (;;) {', ''));
    assert.ok(isStatement('*port = s->buf_ioreq_evtchn;', 'x;'), 'an assignment through a pointer is code, not a comment');
    assert.ok(!isStatement('vlapic_range(v, p->addr) ? "vlapic" : "?";', 'const char *dev = hpet_range(v, p->addr) ? "hpet" :'), 'a continuation line');
  });

  it('covers every profile\'s listings, the device models\' and the tools\' included', () => {
    const names = allListings();
    for (const n of ['legacy/hvm.c', 'seed/hvm.c', '4.5/hvm.c', '4.21/common/ioreq.c', '4.21/arch/arm/ioreq.c', '4.21/dm/varstored.c', '4.21/tools/libs.c', 'common/xen-hvm.c', 'common/toolstack.c']) {
      assert.ok(names.includes(n), n);
    }
  });

  it('no function has a statement line without a stop beyond its pinned count (the counts only shrink)', () => {
    const problems: string[] = [];
    for (const k of new Set([...per.keys(), ...Object.keys(KNOWN_GAPS)])) {
      const have = per.get(k)?.length ?? 0, known = KNOWN_GAPS[k] ?? 0;
      if (have > known) problems.push(`${k}: ${have - known} more statement line(s) without a stop than pinned (${known}):\n${per.get(k)!.map((g) => `    ${g.listing}:${g.line} ${g.text}`).join('\n')}`);
      if (have < known) problems.push(`${k}: now ${have} statement line(s) without a stop; lower its pinned count from ${known} to ${have}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('the total left is pinned too', () => {
    const known = Object.values(KNOWN_GAPS).reduce((a, b) => a + b, 0);
    assert.equal(gaps.length, known);
  });
});
