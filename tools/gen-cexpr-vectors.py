#!/usr/bin/env python3
# Writes test/model/fixtures/cexpr-gcc.json: random C constant expressions (int and unsigned int operands, decimal and
# hex, u suffixes, unary - ~ +, the binary operators cexpr.ts evaluates, parentheses) with the value and type gcc gives
# them on x86-64 (int 32 bits). Each expression is compiled alone with -Werror and the overflow, shift and division
# warnings on, so one whose value C leaves undefined (signed overflow, a shift by 32 or more, of a negative value,
# division by zero) is dropped rather than recorded. Not part of the test run (it needs gcc): rerun by hand with
#   python3 tools/gen-cexpr-vectors.py [COUNT] [SEED]
import json, os, random, subprocess, sys, tempfile

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 400
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 2014
rng = random.Random(SEED)
BIN = ['|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%']

def num():
    v = rng.choice([0, 1, 2, 3, 7, 8, 12, 31, 255, 4096, 0xff000, 0xfeff0, 0x7fffffff, 0x80000000, 0xffffffff, rng.randrange(0, 1 << 16)])
    if v > 0x7fffffff or rng.random() < 0.4:
        s = hex(v)
        if rng.random() < 0.5: s = s.upper().replace('0X', '0x')
    else:
        s = str(v)
    if rng.random() < 0.25: s += rng.choice(['u', 'U'])
    return s

def expr(depth):
    r = rng.random()
    if depth <= 0 or r < 0.25: return num()
    if r < 0.35: return rng.choice(['-', '~', '+']) + ' ' + expr(depth - 1)
    if r < 0.45: return '(' + expr(depth - 1) + ')'
    op = rng.choice(BIN)
    rhs = str(rng.randrange(0, 34)) if op in ('<<', '>>') and rng.random() < 0.8 else expr(depth - 1)
    return expr(depth - 1) + ' ' + op + ' ' + rhs

FLAGS = ['-std=c11', '-Werror', '-Woverflow', '-Wshift-count-overflow', '-Wshift-count-negative', '-Wshift-negative-value',
         '-Wshift-overflow=2', '-Wdiv-by-zero', '-Wno-unused-variable']
out, tried = [], 0
with tempfile.TemporaryDirectory() as d:
    src, exe = os.path.join(d, 'e.c'), os.path.join(d, 'e')
    while len(out) < COUNT and tried < COUNT * 20:
        tried += 1
        e = expr(rng.randrange(1, 5))
        prog = ('#include <stdio.h>\n'
                f'static const long long v = (long long)({e});\n'
                f'static const int u = _Generic(({e}), unsigned int: 1, int: 0, default: 2);\n'
                'int main(void) { printf("%lld %d\\n", v, u); return 0; }\n')
        open(src, 'w').write(prog)
        if subprocess.run(['gcc', *FLAGS, '-o', exe, src], capture_output=True).returncode != 0: continue
        v, u = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split()
        if u == '2': continue
        out.append({'expr': e, 'value': int(v), 'unsigned': u == '1'})
gcc = subprocess.run(['gcc', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'model', 'fixtures', 'cexpr-gcc.json')
os.makedirs(os.path.dirname(path), exist_ok=True)
comment = f'made by tools/gen-cexpr-vectors.py {COUNT} {SEED} with {gcc} (x86-64); {tried} tried, those C leaves undefined dropped'
with open(path, 'w') as f:  # one vector a line
    f.write('{\n "_comment": ' + json.dumps(comment) + ',\n "vectors": [\n')
    f.write(',\n'.join('  ' + json.dumps(v) for v in out) + '\n ]\n}\n')
print(f'{len(out)} vectors of {tried} tried -> {os.path.relpath(path)}')
