// The webview scripts that say `// @ts-check` (media/tsconfig.json) type-check against src/common/messages.ts, and
// the check is live: a script posting a message of a drifted shape fails it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MEDIA = path.join(ROOT, 'media');

/** The diagnostics of media/tsconfig.json's program, with memory.js's text replaced by `memoryJs` when given. */
function check(memoryJs?: string): string[] {
  const cfgPath = path.join(MEDIA, 'tsconfig.json');
  const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgPath, ts.sys.readFile).config, ts.sys, MEDIA);
  const host = ts.createCompilerHost(cfg.options);
  const read = host.readFile.bind(host);
  const target = path.join(MEDIA, 'memory.js');
  host.readFile = (f) => (memoryJs !== undefined && path.resolve(f) === target ? memoryJs : read(f));
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onErr) => (memoryJs !== undefined && path.resolve(f) === target ? ts.createSourceFile(f, memoryJs, lang) : getSource(f, lang, onErr));
  const prog = ts.createProgram(cfg.fileNames, cfg.options, host);
  return ts.getPreEmitDiagnostics(prog).map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('webview scripts against the typed messages', function () {
  this.timeout(120000);
  it('media/memory.js type-checks against src/common/messages.ts', () => {
    assert.deepEqual(check(), []);
  });
  it('a drifted message shape (a watch without its count) fails the check', () => {
    const text = fs.readFileSync(path.join(MEDIA, 'memory.js'), 'utf8');
    const drifted = text.replace("count: selHi() - selLo() + 1 }", "length: selHi() - selLo() + 1 }");
    assert.notEqual(drifted, text, 'the watch message is where the test expects it');
    const errs = check(drifted);
    assert.ok(errs.some((e) => /memory\.js/.test(e)), `no error for the drifted message:\n${errs.join('\n')}`);
  });
});
