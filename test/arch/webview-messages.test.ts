// The webview scripts (media/*.js, every one `// @ts-check`ed through media/tsconfig.json) and the panels that talk
// to them (src/extension/*Panel.ts) type-check against src/common/messages.ts, and the check is live on both sides:
// a script or a panel posting or reading a message of a drifted shape fails it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MEDIA = path.join(ROOT, 'media');

/** The diagnostics of a tsconfig's program (or of `roots` under its options), with file `target`'s text replaced. */
function diagnostics(cfgPath: string, target?: string, text?: string, roots?: string[]): string[] {
  const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgPath, ts.sys.readFile).config, ts.sys, path.dirname(cfgPath));
  const host = ts.createCompilerHost({ ...cfg.options, noEmit: true });
  const swap = (f: string) => text !== undefined && target !== undefined && path.resolve(f) === target;
  const read = host.readFile.bind(host);
  host.readFile = (f) => (swap(f) ? text : read(f));
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onErr) => (swap(f) ? ts.createSourceFile(f, text!, lang) : getSource(f, lang, onErr));
  const prog = ts.createProgram(roots ?? cfg.fileNames, { ...cfg.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(prog).map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
const media = (file?: string, text?: string) => diagnostics(path.join(MEDIA, 'tsconfig.json'), file && path.join(MEDIA, file), text);
const panel = (file: string, text?: string) => {
  const f = path.join(ROOT, 'src', 'extension', file);
  return diagnostics(path.join(ROOT, 'tsconfig.json'), f, text, [f]);
};

/** `file`'s text with `from` replaced by `to` (which must be there). */
function drift(dir: string, file: string, from: string, to: string): string {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  assert.ok(text.includes(from), `${file} holds ${JSON.stringify(from)} where the test expects it`);
  return text.replace(from, to);
}

describe('webview scripts and panels against the typed messages', function () {
  this.timeout(120000);
  it('every webview script is checked (listed in media/tsconfig.json and `// @ts-check`) and type-checks', () => {
    const listed: string[] = JSON.parse(fs.readFileSync(path.join(MEDIA, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')).files;
    for (const f of fs.readdirSync(MEDIA).filter((x) => x.endsWith('.js'))) {
      assert.ok(listed.includes(f), `media/${f} is not in media/tsconfig.json's files`);
      assert.match(fs.readFileSync(path.join(MEDIA, f), 'utf8'), /^\/\/ @ts-check$/m, `media/${f} lacks // @ts-check`);
    }
    assert.deepEqual(media(), []);
  });
  const webviewDrifts: Array<[string, string, string, string]> = [
    ['memory.js', 'a watch without its count (posting)', 'count: selHi() - selLo() + 1 }', 'length: selHi() - selLo() + 1 }'],
    ['memory.js', 'the pages read under another name (reading)', 'pages = m.pages;', 'pages = m.page;'],
    ['sequenceView.js', 'an activate without its ref (posting)', "{ type: 'activate', key: it.key, ref: it.ref }", "{ type: 'activate', key: it.key, seq: it.ref }"],
    ['sequenceView.js', 'the document read under another name (reading)', 'diagram.render(d.doc);', 'diagram.render(d.document);'],
    ['sequence.js', "an item's label read under another name (reading)", "const box = el('div', 'seq-box', it.label);", "const box = el('div', 'seq-box', it.text);"],
    ['layout.js', 'the layouts read under another name (reading)', 'drawLayouts(d.layouts)', 'drawLayouts(d.columns)'],
    ['layout.js', "a page's pfn read under another name (reading)", 'b.pfn - a.pfn', 'b.gfn - a.gfn'],
    ['trace.js', "a summary row's share read under another name (reading)", 'r.sharePct.toFixed(2)', 'r.share.toFixed(2)'],
    ['trace.js', 'a check result read under another name (reading)', 'm.disagreements.length', 'm.disagreementCount'],
    ['trace.js', 'an action the extension does not know (posting)', "const actions = ['scenario', 'check', 'debug'];", "const actions = ['scenario', 'check', 'debug', 'export'];"],
  ];
  for (const [file, what, from, to] of webviewDrifts) {
    it(`media/${file}: ${what} fails the check`, () => {
      const errs = media(file, drift(MEDIA, file, from, to));
      assert.ok(errs.some((e) => e.startsWith(`media/${file}`)), `no error in ${file}:\n${errs.join('\n')}`);
    });
  }
  const EXT = path.join(ROOT, 'src', 'extension');
  const panelDrifts: Array<[string, string, string, string]> = [
    ['memoryPanel.ts', 'pages posted without the watches', "session: cur.session.name, watches: this.watches.get(cur.session.id) ?? [] }", 'session: cur.session.name }'],
    ['memoryPanel.ts', 'a watch read without its count', 'Number.isInteger(m.count)) void this.watch(m.ref, m.offset, m.count)', 'Number.isInteger(m.length)) void this.watch(m.ref, m.offset, m.length)'],
    ['sequencePanel.ts', 'the document posted under another name', "this.send({ type: 'sequence', doc: d });", "this.send({ type: 'sequence', document: d });"],
    ['sequencePanel.ts', 'an activate read without its ref', "Number.isInteger(m.ref)) void this.travel(m.ref);", "Number.isInteger(m.seq)) void this.travel(m.seq);"],
    ['layoutPanel.ts', 'a column posted without its pages', 'expansion: l.reservedExpansion, pages:', 'expansion: l.reservedExpansion, rows:'],
    ['tracePanel.ts', 'a check result posted without cancelled', 'disagreements: dis, cancelled: r.cancelled }', 'disagreements: dis }'],
  ];
  it('the panels type-check and send every message through their typed send()', () => {
    for (const f of fs.readdirSync(EXT).filter((x) => /Panel\.ts$/.test(x))) {
      const text = fs.readFileSync(path.join(EXT, f), 'utf8');
      const posts = text.match(/\.postMessage\(/g) ?? [];
      assert.equal(posts.length, 1, `${f}: one postMessage call, in send()`);
      assert.match(text, /private send\((panel: [^,]+, )?m: \w+ToView\): void/, `${f}: send() takes a typed message`);
      assert.ok(!/onDidReceiveMessage\(\(m: \{/.test(text), `${f}: the received messages are typed from src/common/messages.ts`);
    }
    assert.deepEqual(panel('tracePanel.ts'), []);
  });
  for (const [file, what, from, to] of panelDrifts) {
    it(`src/extension/${file}: ${what} fails the check`, () => {
      const errs = panel(file, drift(EXT, file, from, to));
      assert.ok(errs.some((e) => e.startsWith(`src/extension/${file}`)), `no error in ${file}:\n${errs.join('\n')}`);
    });
  }
});
