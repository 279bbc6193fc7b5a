// The scenario parser word for word (issue #16, mutation testing of src/scenario/parse.ts): each error a user can
// meet, with its exact text and the line:column it names, and what a well-formed file parses into, field by field.
// parse.test.ts holds the located-error cases by kind; this file pins the words and the defaults.
import { strict as assert } from 'node:assert';
import { parseScenario, toBig, MAX_DEPTH, NON_ARG_KEYS } from '../../src/scenario/parse';

const F = 'f.ioreq.json';
/** The message parseScenario throws for `text`, or 'OK'. */
const err = (text: unknown, opts?: Parameters<typeof parseScenario>[2]): string => {
  try { parseScenario(text as string, F, opts); return 'OK'; } catch (e) { return (e as Error).message; }
};
const doc = (extra: string, steps = '[]', profile = 'seed') => `{"profile":"${profile}"${extra},"steps":${steps}}`;
const TS = (rest: string) => `{"actor":"toolstack",${rest}}`;
/** `line:column` of the first occurrence of `token` in `text` at or after `from`'s first occurrence. */
const at = (text: string, token: string, from = ''): string => {
  const i = text.indexOf(token, from ? text.indexOf(from) : 0);
  assert.ok(i >= 0, `${token} in ${text}`);
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
};

describe('scenario parse, word for word: text that is not a scenario', () => {
  it('not text at all; nesting deeper than the parser is allowed to recurse', () => {
    assert.equal(err(5), `${F}:1:1: expected text`);
    assert.equal(err(undefined), `${F}:1:1: expected text`);
    assert.equal(MAX_DEPTH, 256);
    const deep = '['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1);
    assert.equal(err(deep), `${F}:1:257: nesting deeper than 256 levels`);
    // 256 levels are parsed (and then refused as not an object, at the first bracket).
    assert.equal(err('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH)), `${F}:1:1: expected a JSON object (a scenario)`);
    // Closing brackets bring the depth back down: many shallow arrays in a row are no deep nesting.
    assert.equal(err(`{"profile":"seed","steps":[],"x":[${'[],'.repeat(300)}[]]}`), `${F}:1:30: the document has an unexpected field 'x'`);
  });

  it('brackets inside strings and comments do not count as nesting', () => {
    const many = '['.repeat(300);
    const inString = `{"profile":"seed","name":"${many}","steps":[]}`;
    assert.equal(err(inString), 'OK');
    assert.equal(err(`{"profile":"seed","name":"a\\"${many}","steps":[]}`), 'OK', 'an escaped quote does not end the string');
    assert.equal(err(`{"profile":"seed", // ${many}\n"steps":[]}`), 'OK');
    assert.equal(err(`{"profile":"seed", /* ${many} */ "steps":[]}`), 'OK');
    assert.equal(err(`{"profile":"seed", /* ${many}`), `${F}:1:20: invalid JSON: an unfinished comment (UnexpectedEndOfComment)`);
    // After a line comment the brackets count again.
    assert.equal(err(`{"a": // x\n${'['.repeat(MAX_DEPTH)}`), `${F}:2:256: nesting deeper than 256 levels`);
  });

  it('a byte-order mark is not part of the document, but keeps its column', () => {
    assert.equal(err('\ufeff{"profile":"seed","steps":[]}'), 'OK');
    assert.equal(err('\ufeff{"profile":"seed","steps":[] x}'), `${F}:1:31: invalid JSON: an unexpected character (InvalidSymbol)`);
    assert.equal(err('\ufeff[]'), `${F}:1:2: expected a JSON object (a scenario)`);
  });

  it("each of jsonc-parser's errors in words, with its code", () => {
    const cases: Array<[string, string]> = [
      ['', '1:1: invalid JSON: expected a value (ValueExpected)'],
      ['{"profile": @}', '1:13: invalid JSON: an unexpected character (InvalidSymbol)'],
      ['{ 5: 1 }', '1:3: invalid JSON: expected a property name in double quotes (PropertyNameExpected)'],
      ['{"a": }', '1:7: invalid JSON: expected a value (ValueExpected)'],
      ['{"a" 1}', "1:6: invalid JSON: expected ':' (ColonExpected)"],
      ['{"a": 1 "b": 2}', "1:9: invalid JSON: expected ',' (CommaExpected)"],
      ['{"a": 1', "1:8: invalid JSON: expected '}' (CloseBraceExpected)"],
      ['{"a": [1', "1:9: invalid JSON: expected ']' (CloseBracketExpected)"],
      ['{} {}', '1:4: invalid JSON: expected the end of the file (EndOfFileExpected)'],
      ['{"a": 1 /* x', '1:9: invalid JSON: an unfinished comment (UnexpectedEndOfComment)'],
      ['{"a": "x', '1:7: invalid JSON: an unfinished string (UnexpectedEndOfString)'],
      ['{"a": "\\u12"}', '1:7: invalid JSON: a bad \\u escape (InvalidUnicode)'],
      ['{"a": "\\q"}', '1:7: invalid JSON: a bad escape (InvalidEscapeCharacter)'],
      ['{"a": "a\u0001b"}', '1:7: invalid JSON: a control character in a string (InvalidCharacter)'],
      ['{"a": 1.}', '1:7: invalid JSON: an unfinished number (UnexpectedEndOfNumber)'],
      ['{"a": 1e}', '1:7: invalid JSON: an unfinished number (UnexpectedEndOfNumber)'],
    ];
    for (const [text, want] of cases) assert.equal(err(text), `${F}:${want}`, text);
  });

  it('comments and trailing commas are JSON with comments, not errors', () => {
    assert.equal(err('{"profile":"seed", // the era\n"steps":[],}'), 'OK');
  });

  it('a document that is not an object, located at its first token', () => {
    assert.equal(err('  []'), `${F}:1:3: expected a JSON object (a scenario)`);
    assert.equal(err('5'), `${F}:1:1: expected a JSON object (a scenario)`);
    assert.equal(err('\n\n  "s"'), `${F}:3:3: expected a JSON object (a scenario)`);
  });

  it('a key given twice, at its second place, naming the line of its first, at any depth', () => {
    assert.equal(err('{"profile":"seed",\n"steps":[],\n"profile":"seed"}'), `${F}:3:1: duplicate key 'profile' (first at line 1)`);
    assert.equal(err('{"profile":"seed","steps":[\n{"actor":"toolstack",\n "op":"x",\n\n "op":"y"}]}'), `${F}:5:2: duplicate key 'op' (first at line 3)`);
    const nested = '{"profile":"seed","steps":[{"a":{"b":1,"b":2}}]}';
    assert.equal(err(nested), `${F}:${at(nested, '"b":2')}: duplicate key 'b' (first at line 1)`);
    // The same key in two different objects is no duplicate.
    assert.equal(err(doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')},${TS('"op":"xc_hvm_build","domid":1')}]`)), 'OK');
  });
});

describe("scenario parse, word for word: the schema's errors", () => {
  it('a missing field, an unexpected one (with the op named and a close argument suggested)', () => {
    assert.equal(err('{"profile":"seed"}'), `${F}:1:1: the document needs 'steps'`);
    assert.equal(err(doc(',"bogus":1')), `${F}:1:19: the document has an unexpected field 'bogus'`);
    const extra = doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1,"vcpuz":1')}]`);
    assert.equal(err(extra), `${F}:${at(extra, '"vcpuz"')}: 'steps.0' has an unexpected field 'vcpuz' for op 'xc_domain_create' (did you mean 'vcpus'?)`);
    assert.equal(err(doc('', `[${TS('"op":"xc_domain_create","domid":1')}]`)), `${F}:1:28: 'steps.0' needs 'vcpus'`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1,"zzz":1}]')), `${F}:1:58: 'deviceModels.0' has an unexpected field 'zzz'`);
  });

  it('an unknown op: the close names, or how many there are', () => {
    assert.equal(err(doc('', `[${TS('"op":"xc_domain_creat","domid":1')}]`)), `${F}:1:49: unknown op 'xc_domain_creat' (did you mean 'xc_domain_create'?)`);
    assert.match(err(doc('', `[${TS('"op":"zzzzzzzzzzzzzz"')}]`)), /^f\.ioreq\.json:1:49: unknown op 'zzzzzzzzzzzzzz' \(no op has a close name; completion in the editor lists all \d+\)$/);
  });

  it('a value outside a list names the list and the close one; a wrong type, a wrong constant, a pattern', () => {
    assert.equal(err('{"profile":"sed","steps":[]}'), `${F}:1:2: 'profile' must be one of "legacy", "seed", "4.5", "4.21", "4.21-arm" (did you mean 'seed'?)`);
    assert.equal(err('{"profile":"zzzzzzzz","steps":[]}'), `${F}:1:2: 'profile' must be one of "legacy", "seed", "4.5", "4.21", "4.21-arm"`);
    assert.equal(err('{"profile":"seed","steps":5}'), `${F}:1:19: 'steps' must be of type array`);
    assert.equal(err(doc('', `[${TS('"op":"hvmop_set_param","domid":1,"param":-1,"value":1')}]`)), `${F}:1:82: 'steps.0.param' must be of type string`);
  });
});

describe('scenario parse, word for word: meaning', () => {
  it('a profile given by the caller replaces the file\'s, and must be one', () => {
    assert.equal(err(doc(''), { profile: 'bogus' as never }), `${F}:1:2: unknown profile 'bogus'`);
    assert.equal(parseScenario(doc(''), F, { profile: '4.21' }).profile, '4.21');
  });

  it('device model names: unique, not the toolstack, not a vcpu; 4.21-only fields under older profiles', () => {
    const taken = "is taken (names must be unique and not 'toolstack' or d<N>v<N>)";
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1},{"name":"q","target":1}]')), `${F}:1:60: device model name 'q' ${taken}`);
    assert.equal(err(doc(',"deviceModels":[{"name":"toolstack","target":1}]')), `${F}:1:36: device model name 'toolstack' ${taken}`);
    assert.equal(err(doc(',"deviceModels":[{"name":"d1v0","target":1}]')), `${F}:1:36: device model name 'd1v0' ${taken}`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1,"kind":"qemu"}]')), `${F}:1:58: 'kind' is for the 4.21 profiles (under seed a device model is QEMU of its era)`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1,"resourceUnsupported":true}]')), `${F}:1:58: 'resourceUnsupported' is for the 4.21 profiles (under seed a device model is QEMU of its era)`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1,"resourceUnsupported":false}]')), `${F}:1:58: 'resourceUnsupported' is for the 4.21 profiles (under seed a device model is QEMU of its era)`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1,"kind":"virtio"}]', '[]', '4.21-arm')), 'OK');
  });

  it('a device model parses with its defaults: domid 0, kind qemu, resources supported', () => {
    const sc = parseScenario(doc(',"deviceModels":[{"name":"q","target":1},\n{"name":"v","domid":3,"target":2,"maxCpus":4,"kind":"virtio","resourceUnsupported":true}]', '[]', '4.21'), F);
    assert.deepEqual(sc.deviceModels.map(({ loc, ...d }) => [d, loc.line, loc.column]), [
      [{ name: 'q', domid: 0, target: 1, maxCpus: undefined, kind: 'qemu', resourceUnsupported: false }, 1, 35],
      [{ name: 'v', domid: 3, target: 2, maxCpus: 4, kind: 'virtio', resourceUnsupported: true }, 2, 1],
    ]);
  });

  it('a console regex that does not compile, at its console field', () => {
    assert.match(err(doc(',"expect":[{"console":"(","match":"regex"}]')), /^f\.ioreq\.json:1:30: 'console' is not a valid regular expression: .*\/\(\/.*$/);
    assert.equal(err(doc(',"expect":[{"console":"("}]')), 'OK', 'a plain console text is no regex');
  });

  it('unknown actors: the close names among the toolstack, the device models and the vcpus the file brings up', () => {
    assert.equal(err(doc('', '[{"actor":"qemu","op":"xen_hvm_init"}]')),
      `${F}:1:29: unknown actor 'qemu' (expected 'toolstack', a device model (none declared) or a vcpu as d<domid>v<n>)`);
    const two = doc(',"deviceModels":[{"name":"qemu","target":1},{"name":"demu","target":1}]', '[{"actor":"zzzzzz","op":"xen_hvm_init"}]');
    assert.equal(err(two),
      `${F}:${at(two, '"actor"')}: unknown actor 'zzzzzz' (expected 'toolstack', a device model (qemu, demu) or a vcpu as d<domid>v<n>)`);
    assert.equal(err(doc(',"deviceModels":[{"name":"qemu","target":1}]', '[{"actor":"qemo","op":"xen_hvm_init"}]')), `${F}:1:73: unknown actor 'qemo' (did you mean 'qemu'?)`);
    assert.equal(err(doc('', '[{"actor":"toolstak","op":"xen_hvm_init"}]')), `${F}:1:29: unknown actor 'toolstak' (did you mean 'toolstack'?)`);
    // Vcpus named by xc_domain_create's count, by alloc_vcpu, and by other steps' actors.
    const create = TS('"op":"xc_domain_create","domid":1,"vcpus":2');
    assert.equal(err(doc('', `[${create},{"actor":"dlv1","op":"hvm_do_resume"}]`)), `${F}:1:95: unknown actor 'dlv1' (did you mean 'd1v1'?)`);
    const alloc = doc('', `[${TS('"op":"alloc_vcpu","domid":4,"vcpu":7')},{"actor":"d4u7","op":"hvm_do_resume"}]`);
    assert.equal(err(alloc), `${F}:${at(alloc, '"actor":"d4u7"')}: unknown actor 'd4u7' (did you mean 'd4v7'?)`);
    const named = doc('', `[{"actor":"d9v9","op":"hvm_do_resume"},{"actor":"d9u9","op":"hvm_do_resume"}]`);
    assert.equal(err(named), `${F}:${at(named, '"actor":"d9u9"')}: unknown actor 'd9u9' (did you mean 'd9v9'?)`);
    // One vcpu brought up: d1v0 only, two edits from 'dlv1', so no suggestion.
    assert.equal(err(doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')},{"actor":"dlv1","op":"hvm_do_resume"}]`)),
      `${F}:1:95: unknown actor 'dlv1' (expected 'toolstack', a device model (none declared) or a vcpu as d<domid>v<n>)`);
  });

  it('an op of another profile, of another kind of actor, of another kind of device model', () => {
    assert.equal(err(doc('', `[${TS('"op":"hvmop_create_ioreq_server","domid":1')}]`)), `${F}:1:49: op 'hvmop_create_ioreq_server' does not exist in profile seed (it is in 4.5)`);
    assert.equal(err(doc('', '[{"actor":"d1v0","op":"xc_domain_create","domid":1,"vcpus":1}]')), `${F}:1:44: op 'xc_domain_create' is done by the toolstack, not by 'd1v0'`);
    assert.equal(err(doc(',"deviceModels":[{"name":"qemu","target":1}]', '[{"actor":"qemu","op":"pio_write","port":1,"size":1,"value":1}]')),
      `${F}:1:88: op 'pio_write' is done by a vcpu (d<domid>v<n>), not by 'qemu'`);
    const dmOp = doc('', '[{"actor":"d1v0","op":"xen_hvm_init"}]');
    assert.equal(err(dmOp), `${F}:${at(dmOp, '"op"', '"steps"')}: op 'xen_hvm_init' is done by a device model, not by 'd1v0'`);
    assert.equal(err(doc(',"deviceModels":[{"name":"v","target":1,"kind":"virtio"}]', '[{"actor":"v","op":"xen_register_ioreq"}]', '4.21')),
      `${F}:1:98: op 'xen_register_ioreq' is qemu's; 'v' is a virtio device model (deviceModels[].kind)`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":1}]', '[{"actor":"q","op":"xen_register_ioreq"}]', '4.21')), 'OK');
  });

  it('HVM params: a name, a number below HVM_NR_PARAMS, or a number past it (a warning: do_hvm_op answers -EINVAL)', () => {
    const set = (param: string) => doc('', `[${TS(`"op":"hvmop_set_param","domid":1,"param":${param},"value":1`)}]`);
    const sc = parseScenario(set('99'), F);
    assert.deepEqual(sc.warnings.map((w) => [w.loc.line, w.loc.column, w.message]), [[1, 82, 'HVM param 99 is not below HVM_NR_PARAMS (32) in profile seed: do_hvm_op will answer -EINVAL']]);
    assert.equal(sc.steps[0].args.param, 99);
    assert.deepEqual(parseScenario(set('5'), F).warnings, []);
    assert.equal(parseScenario(set('"IOREQ_PFN"'), F).steps[0].args.param, 5);
    assert.equal(parseScenario(set('"HVM_PARAM_IOREQ_PFN"'), F).steps[0].args.param, 5);
    assert.equal(err(set('"IOREQ_PF"')), `${F}:1:82: unknown HVM param 'IOREQ_PF' for profile seed (did you mean 'IOREQ_PFN' or 'BUFIOREQ_PFN'?)`);
    assert.equal(err(set('"HVM_PARAM_IOREQ_PF"')), `${F}:1:82: unknown HVM param 'HVM_PARAM_IOREQ_PF' for profile seed (did you mean 'HVM_PARAM_IOREQ_PFN', 'HVM_PARAM_STORE_PFN' or 'HVM_PARAM_BUFIOREQ_PFN'?)`);
    assert.equal(err(set('"ZZZZZZZZ"')), `${F}:1:82: unknown HVM param 'ZZZZZZZZ' for profile seed (expected a name such as IOREQ_PFN, or a number below 32)`);
    assert.equal(err(set('1.5')), `${F}:1:82: 'steps.0.param' must be of type string`, 'the schema takes a whole number or a name');
  });

  it('numbers below 2^64 and I/O ports up to 0xffff', () => {
    const set = (value: string) => doc('', `[${TS(`"op":"hvmop_set_param","domid":1,"param":"IOREQ_PFN","value":${value}`)}]`);
    assert.equal(err(set('"0x10000000000000000"')), `${F}:1:102: 'value' must be a number or a 0x-hex string below 2^64`);
    assert.equal(parseScenario(set('"0xffffffffffffffff"'), F).steps[0].args.value, 0xffffffffffffffffn);
    assert.equal(parseScenario(set('"12"'), F).steps[0].args.value, 12n);
    const pio = (port: string) => doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')},{"actor":"d1v0","op":"pio_write","port":${port},"size":1,"value":1}]`);
    assert.equal(err(pio('"0x10000"')), `${F}:1:127: 'port' must be an I/O port from 0 to 0xffff`);
    assert.equal(parseScenario(pio('"0xffff"'), F).steps[1].args.port, 0xffff);
    assert.equal(parseScenario(pio('0'), F).steps[1].args.port, 0);
  });

  it("an op's own check, at the field it names", () => {
    assert.equal(err(doc('', `[${TS('"op":"hvmop_set_param","param":"IOREQ_PFN","value":1')}]`)), `${F}:1:28: 'hvmop_set_param' by the toolstack needs 'domid'`);
  });

  it('expected return values by number or name; an unknown name, at its rc', () => {
    const step = (expect: string) => doc('', `[${TS(`"op":"xc_domain_create","domid":1,"vcpus":1,"expect":${expect}`)}]`);
    assert.equal(err(step('{"rc":"-EFOO"}')), `${F}:1:103: unknown return value '-EFOO' (expected 0, -22 or a name such as -EINVAL)`);
    assert.deepEqual(parseScenario(step('{"rc":"-EINVAL"}'), F).steps[0].expect, { rc: -22 });
    assert.deepEqual(parseScenario(step('{"rc":-3}'), F).steps[0].expect, { rc: -3 });
    assert.deepEqual(parseScenario(step('{"rc":0,"value":"0x10","valuePath":"domains.1.domain_id"}'), F).steps[0].expect, { rc: 0, value: 16n, valuePath: 'domains.1.domain_id' });
    assert.deepEqual(parseScenario(step('{"value":7}'), F).steps[0].expect, { value: 7n });
    assert.equal(parseScenario(doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')}]`), F).steps[0].expect, undefined);
  });

  it("a step's when waits on the state, never on an event", () => {
    assert.equal(err(doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1,"when":{"event":"x"}')}]`)),
      `${F}:1:93: 'when' waits on the state, not on past events (explore does not record them): use a path, a crash or a console line`);
  });

  it('a step parses into its actor, kind, vcpu, arguments, checks, when and note, located at its brace', () => {
    const text = doc(',"deviceModels":[{"name":"qemu","target":1}]', `[\n${TS('"op":"xc_domain_create","domid":1,"vcpus":2,"note":"n"')},\n {"actor":"d1v1","op":"pio_write","port":"0x3f8","size":1,"value":"0x41","after":[{"path":"a","equals":1}],"when":{"path":"b","exists":true}},\n{"actor":"qemu","op":"xen_hvm_init"}]`);
    const sc = parseScenario(text, F);
    const [a, b, c] = sc.steps;
    assert.deepEqual([a.index, a.op, a.actor, a.actorKind, a.domid, a.vcpu, a.args, a.note, a.loc.line, a.loc.column, a.after, a.when],
      [0, 'xc_domain_create', 'toolstack', 'toolstack', undefined, undefined, { domid: 1, vcpus: 2 }, 'n', 2, 1, [], undefined]);
    assert.deepEqual([b.actorKind, b.domid, b.vcpu, b.args, b.loc.line, b.loc.column], ['vcpu', 1, 1, { port: 0x3f8, size: 1, value: 0x41n }, 3, 2]);
    const pos = (l: { line: number; column: number }) => `${l.line}:${l.column}`;
    assert.deepEqual(b.after.map(({ loc, ...e }) => [e, pos(loc)]), [[{ path: 'a', equals: 1 }, at(text, '{"path":"a"')]]);
    assert.deepEqual(b.when && (({ loc, ...e }) => [e, pos(loc)])(b.when), [{ path: 'b', exists: true }, at(text, '"when"')]);
    assert.equal(b.raw, (sc.doc.steps as unknown[])[1]);
    assert.deepEqual([c.actorKind, c.domid, c.vcpu, c.note], ['dm', undefined, undefined, undefined]);
    for (const k of ['op', 'actor', 'expect', 'after', 'note', 'when']) assert.ok(NON_ARG_KEYS.has(k), k);
    assert.equal(NON_ARG_KEYS.size, 6);
  });

  it('reverted fixes: known, in the profile\'s code, once each; the fixed form drops them', () => {
    assert.match(err('{"profile":"4.21","revert":["nope"],"steps":[]}'), /^f\.ioreq\.json:1:29: 'revert\.0' must be one of "282ed258a5", /);
    assert.equal(err('{"profile":"seed","revert":["282ed258a5"],"steps":[]}'), `${F}:1:29: fix 282ed258a5 is in the code of 4.21, not of profile seed`);
    assert.equal(err('{"profile":"4.21","revert":["282ed258a5","282ed258a5"],"steps":[]}'), `${F}:1:42: fix 282ed258a5 is listed twice`);
    assert.equal(err('{"profile":"seed","revert":["da20c93108"],"steps":[]}'), `${F}:1:29: fix da20c93108 is in the code of 4.21, 4.21-arm, not of profile seed`);
    assert.equal(err('{"profile":"4.21","revert":["282ed258a5","282ed258a5"],"steps":[]}', { fixed: true }), `${F}:1:42: fix 282ed258a5 is listed twice`);
    const text = '{"profile":"4.21","revert":["282ed258a5"],"steps":[]}';
    assert.deepEqual(parseScenario(text, F).revert, ['282ed258a5']);
    assert.deepEqual(parseScenario(text, F, { fixed: true }).revert, []);
  });

  it('the scenario: its name (the file when none), description, expectations and allowed violations', () => {
    const bare = parseScenario(doc(''), F);
    assert.deepEqual([bare.file, bare.name, bare.description, bare.profile, bare.deviceModels, bare.steps, bare.expect, [...bare.allow], bare.revert, bare.warnings],
      [F, F, '', 'seed', [], [], [], [], [], []]);
    const full = parseScenario(doc(',"name":"N","description":"D","expect":[{"path":"x","exists":false}],"explore":{"allow":["deadlock"]}'), F);
    assert.deepEqual([full.name, full.description, [...full.allow]], ['N', 'D', ['deadlock']]);
    assert.deepEqual(full.expect.map(({ loc, ...e }) => [e, loc.line, loc.column]), [[{ path: 'x', exists: false }, 1, 58]]);
    assert.equal(full.doc.name, 'N');
  });
});

describe('scenario parse: toBig', () => {
  it('safe integers and 0x-hex or decimal strings, nothing else', () => {
    assert.deepEqual([5, -1, 0, '0x1F', '0X1f', '12', '007'].map(toBig), [5n, -1n, 0n, 31n, 31n, 12n, 7n]);
    for (const v of [2 ** 53, 1.5, '0x', '12a', ' 1', '1 ', '-1', '', 'x12', null, undefined, {}, 5n]) assert.equal(toBig(v), undefined, String(v));
  });
});

describe('scenario parse, word for word: the edges the first pass left', () => {
  const deep = (unit: string, n = MAX_DEPTH + 1) => unit.repeat(n);
  it('nesting is counted past block comments, and only a slash starts a comment', () => {
    // Each bracket followed by a block comment: every one counts.
    assert.equal(err(deep('[/**/')), `${F}:1:${5 * MAX_DEPTH + 1}: nesting deeper than 256 levels`);
    // A bracket followed by '*' or a lone '/' is no comment: the brackets after them count.
    assert.equal(err(deep('[*')), `${F}:1:${2 * MAX_DEPTH + 1}: nesting deeper than 256 levels`);
    assert.equal(err('[/' + deep('[')), `${F}:1:${MAX_DEPTH + 2}: nesting deeper than 256 levels`);
    // A block comment ends at the first '*/' after its '/*' (its own '*' is not the end), and what follows counts.
    assert.equal(err(`/*/ ${deep('[')} */{"profile":"seed","steps":[]}`), 'OK');
    assert.equal(err(`/* c */${deep('[')}`), `${F}:1:${7 + MAX_DEPTH + 1}: nesting deeper than 256 levels`);
    assert.equal(err(`/**/*${deep('[')}`), `${F}:1:${5 + MAX_DEPTH + 1}: nesting deeper than 256 levels`);
  });

  it('a vcpu actor is d<domid>v<n>, whole: the numbers can have several digits, nothing may come before or after', () => {
    const create = (d: number, n: number) => TS(`"op":"xc_domain_create","domid":${d},"vcpus":${n}`);
    const sc = parseScenario(doc('', `[${create(12, 13)},{"actor":"d12v12","op":"hvm_do_resume"}]`), F);
    assert.deepEqual([sc.steps[1].actorKind, sc.steps[1].domid, sc.steps[1].vcpu], ['vcpu', 12, 12]);
    for (const actor of ['xd1v0', 'd1v0x']) {
      const text = doc('', `[${create(1, 1)},{"actor":"${actor}","op":"hvm_do_resume"}]`);
      assert.match(err(text), new RegExp(`^f\\.ioreq\\.json:${at(text, `"actor":"${actor}"`)}: unknown actor '${actor}' \\(did you mean 'd1v0'\\?\\)$`), actor);
    }
    // Such names are free for device models.
    assert.equal(parseScenario(doc(',"deviceModels":[{"name":"xd1v0","target":1},{"name":"d1v0x","target":1}]'), F).deviceModels.length, 2);
  });

  it("an unknown actor's suggestions come from the vcpus the file names, not from other unknown actors", () => {
    const text = doc('', '[{"actor":"qemx","op":"xen_hvm_init"},{"actor":"qemy","op":"xen_hvm_init"}]');
    assert.equal(err(text), `${F}:1:29: unknown actor 'qemx' (expected 'toolstack', a device model (none declared) or a vcpu as d<domid>v<n>)`);
  });

  it('an op two kinds of actor may do names both', () => {
    assert.equal(err(doc('', '[{"actor":"d1v0","op":"hvmop_create_ioreq_server","domid":1}]', '4.5')),
      `${F}:1:43: op 'hvmop_create_ioreq_server' is done by a device model or the toolstack, not by 'd1v0'`);
  });

  it("the known params are the profile's: a 4.5 name is no suggestion under the seed", () => {
    const set = (profile: string) => doc('', `[${TS('"op":"hvmop_set_param","domid":1,"param":"IOREQ_SERVER_PF","value":1')}]`, profile);
    assert.equal(err(set('seed')), `${F}:1:82: unknown HVM param 'IOREQ_SERVER_PF' for profile seed (expected a name such as IOREQ_PFN, or a number below 32)`);
    assert.match(err(set('4.5')), /unknown HVM param 'IOREQ_SERVER_PF' for profile 4\.5 \(did you mean 'IOREQ_SERVER_PFN'\?\)$/);
  });

  it('a number the schema takes but JavaScript cannot hold exactly is refused, not rounded', () => {
    const set = doc('', `[${TS('"op":"hvmop_set_param","domid":1,"param":"IOREQ_PFN","value":9007199254740993')}]`);
    assert.equal(err(set), `${F}:1:102: 'value' must be a number or a 0x-hex string below 2^64`);
    const pio = doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')},{"actor":"d1v0","op":"pio_write","port":1e20,"size":1,"value":1}]`);
    assert.equal(err(pio), `${F}:1:127: 'port' must be an I/O port from 0 to 0xffff`);
  });

  it('a number outside a list of numbers: the list, no suggestion', () => {
    const pio = doc('', `[${TS('"op":"xc_domain_create","domid":1,"vcpus":1')},{"actor":"d1v0","op":"pio_write","port":1,"size":3,"value":1}]`);
    assert.equal(err(pio), `${F}:${at(pio, '"size"')}: 'steps.1.size' must be one of 1, 2, 4`);
  });

  it("the schema's pattern and range errors, in its words", () => {
    assert.equal(err(doc(',"deviceModels":[{"name":"9q","target":1}]')), `${F}:1:36: 'deviceModels.0.name' must match ^[A-Za-z][A-Za-z0-9_-]*$`);
    assert.equal(err(doc(',"deviceModels":[{"name":"q","target":32752}]')), `${F}:1:47: 'deviceModels.0.target' must be <= 32751`);
  });

  it('of several errors the deepest is reported; an op named wrongly at step 10 still gets its suggestion', () => {
    // The schema reports the missing 'vcpus' (at the step) before the bad 'domid' (inside it): the deeper one wins.
    const text = doc('', `[${TS('"op":"xc_domain_create","domid":"x"')}]`);
    assert.equal(err(text), `${F}:${at(text, '"domid"')}: 'steps.0.domid' must be of type integer`);
    const steps = Array.from({ length: 10 }, () => TS('"op":"xc_hvm_build","domid":1'));
    const eleventh = doc('', `[${[...steps, TS('"op":"xc_hvm_buld","domid":1')].join(',')}]`);
    assert.equal(err(eleventh), `${F}:${at(eleventh, '"op":"xc_hvm_buld"')}: unknown op 'xc_hvm_buld' (did you mean 'xc_hvm_build'?)`);
    const bad = doc('', `[${[...steps, TS('"op":"xc_hvm_build","domid":"one"')].join(',')}]`);
    assert.equal(err(bad), `${F}:${at(bad, '"domid":"one"')}: 'steps.10.domid' must be of type integer`);
  });
});

