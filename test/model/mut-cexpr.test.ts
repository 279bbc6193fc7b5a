// The C constant-expression evaluator behind the special-page layouts (src/model/cexpr.ts), under issue 16's mutation
// testing: 400 random expressions whose value and type gcc computed (test/model/fixtures/cexpr-gcc.json, made by
// tools/gen-cexpr-vectors.py; expressions whose value C leaves undefined were dropped there), then cpp's rules for
// macros and the errors a bad definition gets.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CExprError, evalWithMacros, evaluate, expand, expandToText, tokenize, type MacroDef } from '../../src/model/cexpr';

interface Vector { expr: string; value: number; unsigned: boolean }
const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'model', 'fixtures', 'cexpr-gcc.json');
const vectors = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { vectors: Vector[] }).vectors;

const defsOf = (defs: MacroDef[]) => new Map(defs.map((d) => [d.name, d] as const));
const texts = (src: string) => tokenize(src).map((t) => `${t.k}:${t.s}`);

describe('cexpr: C constant expressions as gcc computes them', () => {
  it(`each of the ${vectors.length} expressions has gcc's value and type (int or unsigned int)`, () => {
    assert.ok(vectors.length >= 300);
    for (const v of vectors) {
      const r = evaluate(tokenize(v.expr));
      assert.deepEqual(r, { value: v.value, unsigned: v.unsigned }, v.expr);
    }
    // The sample covers what it should: both types, negative values, every operator.
    assert.ok(vectors.some((v) => v.unsigned) && vectors.some((v) => !v.unsigned) && vectors.some((v) => v.value < 0));
    for (const op of ['|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%', '~']) assert.ok(vectors.some((v) => v.expr.includes(op)), op);
  });

  it('tokens: identifiers, decimal and hex numbers with their suffixes, the operators; blanks between', () => {
    assert.deepEqual(texts(' a_1+0x1fUL<<2u >>(b) '), ['id:a_1', 'op:+', 'num:0x1fUL', 'op:<<', 'num:2u', 'op:>>', 'op:(', 'id:b', 'op:)']);
    assert.deepEqual(texts('x,y%~z^1|2&3-4*5/6'), ['id:x', 'op:,', 'id:y', 'op:%', 'op:~', 'id:z', 'op:^', 'num:1', 'op:|', 'num:2', 'op:&', 'num:3', 'op:-', 'num:4', 'op:*', 'num:5', 'op:/', 'num:6']);
    assert.deepEqual(texts('   '), []);
    assert.deepEqual(texts('_Z9'), ['id:_Z9']);
    assert.throws(() => tokenize('1 + $'), (e: Error) => e instanceof CExprError && e.message === "unexpected character '$' in '1 + $'");
    assert.throws(() => tokenize('a.b'), /unexpected character '\.'/);
  });

  it('a suffix L is a long in C but the value is the same here; u makes it unsigned', () => {
    assert.deepEqual(evaluate(tokenize('5L')), { value: 5, unsigned: false });
    assert.deepEqual(evaluate(tokenize('5uL')), { value: 5, unsigned: true });
    assert.deepEqual(evaluate(tokenize('0x7fffffff')), { value: 0x7fffffff, unsigned: false });
    assert.deepEqual(evaluate(tokenize('0x80000000')), { value: 0x80000000, unsigned: true });
  });

  it('an int meeting an unsigned int is converted to unsigned before / and % (C11 6.3.1.8); a shift keeps its left side\'s type', () => {
    assert.deepEqual(evaluate(tokenize('-1 % 0xffffffffu')), { value: 0, unsigned: true });
    assert.deepEqual(evaluate(tokenize('-2 / 2u')), { value: 0x7fffffff, unsigned: true });
    assert.deepEqual(evaluate(tokenize('7u / -1')), { value: 0, unsigned: true }); // -1 is 0xffffffff
    assert.deepEqual(evaluate(tokenize('-8 >> 1u')), { value: -4, unsigned: false }); // gcc shifts a negative int arithmetically
    assert.deepEqual(evaluate(tokenize('0x80000000 >> 4')), { value: 0x08000000, unsigned: true });
    assert.deepEqual(evaluate(tokenize('3 << 1u')), { value: 6, unsigned: false }); // int, though the count is unsigned
    assert.deepEqual(evaluate(tokenize('1u << 4')), { value: 16, unsigned: true });
  });

  it("errors name what is wrong: an end too early, a missing ')', a stray token, an identifier, division by zero", () => {
    const err = (src: string) => { try { evaluate(tokenize(src)); } catch (e) { assert.ok(e instanceof CExprError); return (e as Error).message; } return null; };
    assert.equal(err('1 +'), 'unexpected end of expression');
    assert.equal(err('(1 + 2'), "expected ')'");
    assert.equal(err('(1 + 2 3'), "expected ')'");
    assert.equal(err('1 2'), "unexpected '2'");
    assert.equal(err('1 )'), "unexpected ')'");
    assert.equal(err('FOO + 1'), "'FOO' is not a constant (an undefined macro?)");
    assert.equal(err('4 / 0'), 'division by zero');
    assert.equal(err('4 % (1 - 1)'), 'division by zero');
    assert.equal(err(''), 'unexpected end of expression');
  });
});

describe('cexpr: macros as cpp expands them', () => {
  const defs: MacroDef[] = [
    { name: 'A', body: 'B + 1' }, { name: 'B', body: '2' },
    { name: 'add', params: ['x', 'y'], body: 'x + y' },
    { name: 'paren', params: ['x'], body: '(x)' },
    { name: 'loopA', body: 'loopB' }, { name: 'loopB', body: 'loopA' },
    { name: 'rec', params: ['x'], body: 'rec(x)' },
    { name: 'F', params: ['x'], body: 'x * 3' },
  ];
  const ev = (e: string) => evalWithMacros(e, defs);

  it('an argument holding parentheses and commas inside them is one argument', () => {
    assert.equal(expandToText('add((1, 2) , 3)', defs), '(1 , 2) + 3');
    assert.throws(() => ev('add((1, 2), 3)'), /expected '\)'/); // C's comma operator is not evaluated: no layout uses it
  });

  it('arguments are split at top-level commas only, and expanded before they are pasted', () => {
    assert.equal(expandToText('add(paren(1), add(2, 3))', defs), '(1) + 2 + 3');
    assert.equal(expandToText('add(A, B)', defs), '2 + 1 + 2');
    assert.equal(ev('add(A, B) * 2'), 7); // 2 + 1 + 2 * 2
    assert.equal(expandToText('paren((1 + (2)))', defs), '((1 + (2)))');
  });

  it('a function-like macro without ( after it is left as it is; with the wrong count of arguments, an error', () => {
    assert.equal(expandToText('F + 1', defs), 'F + 1');
    assert.equal(expandToText('1 + F', defs), '1 + F'); // the last token

    assert.equal(expandToText('F(2)', defs), '2 * 3');
    assert.throws(() => ev('add(1)'), (e: Error) => e instanceof CExprError && e.message === 'macro add takes 2 argument(s)');
    assert.throws(() => ev('add(1, 2, 3)'), /macro add takes 2 argument\(s\)/);
    assert.throws(() => ev('add(1, 2'), (e: Error) => e instanceof CExprError && e.message === 'unterminated call of macro add');
  });

  it('a macro met again inside its own expansion stays an identifier (cpp\'s "painted blue")', () => {
    assert.equal(expandToText('loopA', defs), 'loopA');
    assert.equal(expandToText('loopB', defs), 'loopB');
    assert.equal(expandToText('rec(1)', defs), 'rec (1)');
    // …but only inside its own expansion: the same name after it is expanded again.
    assert.equal(expandToText('A + A', defs), '2 + 1 + 2 + 1');
    assert.deepEqual(expand(tokenize('B'), defsOf(defs), new Set(['B'])).map((t) => t.s), ['B']);
  });

  it('the text shows the expansion with its parentheses closed up', () => {
    assert.equal(expandToText('paren(A)', defs), '(2 + 1)');
    assert.equal(expandToText('( B )', defs), '(2)');
  });
});
