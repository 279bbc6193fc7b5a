// The extension as a user sees it: the VSIX installed into code-server, the workbench driven in headless chromium
// by clicks and keys. Each stage leaves a screenshot in test-artifacts/e2e/. Runs from test/e2e/run.ts (which sets
// IOREQ_E2E_UI=1); under plain mocha it is skipped.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer, Chromium, launchChromium, startCodeServer } from './codeserver';
import { Locator, Page } from './playwright';
import { artifactsDir, removeWorkspace, repoRoot, scenarioWorkspace, vsixPath } from './paths';
import { SCENARIO, VIEW_CONTAINER, brokenScenario } from './contract';
import { writeFlow } from '../../src/trace/synth';
import { loadListing } from '../../src/debug/listing';

const enabled = process.env.IOREQ_E2E_UI === '1';
const BROKEN = '99-broken-unknown-op.ioreq.json';
/** Scenario 08 with its first hvm_do_resume expecting rc 1: a Continue stops there (failed expectation) after a whole
 *  request / notification / response round trip, with the session still paused. */
const SEQ_SCENARIO = '98-sequence-round-trip.ioreq.json';
/** The bench's 3-vcpu scenario (618,712 states): long enough to watch the explorer's progress and cancel it. */
const LONG_SCENARIO = '97-explore-3vcpu.ioreq.json';
/** The memory-view watch stage's scenario: the guest's port I/O through QEMU, every slot state in turn. */
const WATCH_SCENARIO = '08-sync-pio-read-write.ioreq.json';
const CEX_SCENARIO = '20-explore-lost-request.ioreq.json';
/** Xen 4.21 on x86: QEMU's port round trip through today's common ioreq code (the locals-421 stage). */
const X421_SCENARIO = '28-x421-qemu-port-round-trip.ioreq.json';
const LAUNCH_NAME = 'Debug 02 (stop on entry)';
const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The ioreq server row once the server exists ("ioreq server  dm d0"; before: "none (created on demand)"). */
const SERVER_CREATED = /ioreq server\s*dm d0/;

(enabled ? describe : describe.skip)('UI: IOREQ Scope in VS Code (code-server + chromium)', function () {
  this.timeout(90000);
  // Stages build on each other: a stage whose prerequisite failed fails at once, naming it, instead of timing out.
  const done = new Set<string>();
  const needsOf = new Map<string, string[]>();
  // IOREQ_E2E_STAGES=watch,layout (while iterating): only those stages and the ones they need run; the others are
  // reported as pending, never as passed.
  const only = process.env.IOREQ_E2E_STAGES ? new Set(process.env.IOREQ_E2E_STAGES.split(',').map((x) => x.trim()).filter(Boolean)) : undefined;
  const wanted = (name: string): boolean => {
    if (!only) return true;
    const want = new Set<string>();
    const add = (n: string): void => { if (want.has(n)) return; want.add(n); for (const m of needsOf.get(n) ?? []) add(m); };
    for (const n of only) add(n);
    return want.has(name);
  };
  const stage = (name: string, needs: string[], title: string, fn: () => Promise<void>): void => {
    needsOf.set(name, needs);
    it(title, async function () {
      if (!wanted(name)) this.skip();
      const missing = needs.filter((n) => !done.has(n));
      if (missing.length) throw new Error(`not run: the stage(s) ${missing.join(', ')} failed`);
      await fn();
      done.add(name);
    });
  };
  let server: CodeServer | undefined;
  let browser: Chromium | undefined;
  let page: Page;
  let folder: string | undefined;
  let shot = 0;
  const shots: string[] = [];

  const screenshot = async (name: string): Promise<void> => {
    const file = path.join(artifactsDir(), `ui-${String(++shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    shots.push(path.relative(process.cwd(), file));
  };

  // Views and rows of the workbench.
  const sidebar = (): Locator => page.locator('.part.sidebar');
  const activity = (label: string): Locator => page.locator(`.activitybar .action-item [aria-label^="${label}"]`).first();
  const paneHeader = (title: string | RegExp): Locator =>
    sidebar().locator('.pane-header').filter({ has: page.locator('h3.title', { hasText: title }) }).first();
  // (A `has` locator is matched inside the outer one, so it starts from `page`, not from the side bar.)
  const modelPane = (): Locator =>
    sidebar().locator('.pane').filter({ has: page.locator('.pane-header h3.title', { hasText: /^Model$/ }) }).first();
  const modelRow = (text: RegExp): Locator => modelPane().locator('.monaco-list-row', { hasText: text }).first();
  const explorerRow = (name: string): Locator =>
    sidebar().locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  /** The explorer's list draws only the rows in view: with the whole library above a file, scroll down to it. */
  const revealInExplorer = async (name: string): Promise<Locator> => {
    const list = sidebar().locator('.explorer-folders-view .monaco-list').first();
    // An earlier stage may have scrolled past the file: start from the top of the list.
    for (let i = 0; i < 20 && !(await explorerRow(name).isVisible()); i++) {
      await list.hover();
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(150);
    }
    for (let i = 0; i < 20 && !(await explorerRow(name).isVisible()); i++) {
      await list.hover();
      await page.mouse.wheel(0, 400);
      await page.waitForTimeout(150);
    }
    return explorerRow(name);
  };

  const showContainer = async (label: string): Promise<void> => {
    const item = activity(label);
    await item.waitFor({ timeout: 30000 });
    // Clicking the active container's icon would hide the side bar: click only when it is not already showing.
    const checked = await page.locator('.activitybar .action-item.checked [aria-label^="' + label + '"]').count();
    // A badge (e.g. "1 active session") sits over the icon and takes the pointer: click through it.
    if (!checked) await item.click({ force: true });
  };

  const expandPane = async (title: RegExp): Promise<void> => {
    const header = paneHeader(title);
    await header.waitFor({ timeout: 15000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  };

  const setExpanded = async (row: Locator, expanded: boolean): Promise<void> => {
    await row.waitFor({ timeout: 15000 });
    if ((await row.getAttribute('aria-expanded')) === String(!expanded)) {
      await row.locator('.monaco-tl-twistie').click();
      await page.waitForTimeout(300);
    }
  };
  const expandRow = (row: Locator) => setExpanded(row, true);
  const modelRows = async (): Promise<string[]> =>
    (await modelPane().locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

  /** Opens the quick input with `text` in it (a leading '>' makes it the command palette) and clicks the row matching
   *  `row` (Enter can run another entry while the list is still filtering). */
  const quickInput = async (text: string, row: string | RegExp): Promise<void> => {
    const input = page.locator('.quick-input-widget input');
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first();
    // The pointer off the debug toolbar, which floats where the quick input opens: its hover would sit over the list.
    await page.mouse.move(700, 500);
    for (let attempt = 1; ; attempt++) {
      // F1 can land in a webview or panel that keeps it: then the palette's other key, from the workbench.
      for (const key of ['F1', 'Control+Shift+P', 'F1']) {
        await page.keyboard.press(key);
        if (await input.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
        await page.keyboard.press('Escape');
      }
      try {
        await input.fill(text, { timeout: 10000 });
        await pick.click({ timeout: 10000 });
        return;
      } catch (e) {
        // A view the debugger opens or refreshes as a stop shows (later on a loaded machine) can take the focus and
        // close the quick input before the row is clicked: open it once more.
        if (attempt === 2) throw e;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
    }
  };
  const palette = (command: string, row: string | RegExp = command): Promise<void> => quickInput(`>${command}`, row);
  /** Opens a workspace file through Quick Open, wherever the Explorer is scrolled. */
  const quickOpen = (name: string): Promise<void> => quickInput(name, name);

  before(async () => {
    fs.mkdirSync(artifactsDir(), { recursive: true });
    for (const f of fs.readdirSync(artifactsDir())) if (/^ui-.*\.png$/.test(f)) fs.rmSync(path.join(artifactsDir(), f));
    const vsix = vsixPath();
    if (!fs.existsSync(vsix)) throw new Error(`no VSIX at ${vsix}: run \`npm run package\` first`);
    folder = scenarioWorkspace('ioreq-e2e-ui-');
    fs.writeFileSync(path.join(folder, BROKEN), brokenScenario().text);
    const rt = fs.readFileSync(path.join(folder, '08-sync-pio-read-write.ioreq.json'), 'utf8');
    const seqText = rt.replace('"op": "hvm_do_resume", "expect": { "rc": 0 },', '"op": "hvm_do_resume", "expect": { "rc": 1 },');
    assert.notStrictEqual(seqText, rt, 'scenario 08 has the hvm_do_resume step the sequence stage changes');
    fs.writeFileSync(path.join(folder, SEQ_SCENARIO), seqText);
    fs.copyFileSync(path.join(repoRoot(), 'bench', 'explore-3vcpu.ioreq.json'), path.join(folder, LONG_SCENARIO));
    const golden = writeFlow([
      { dom: 1, vcpu: 0, cpu: 0, kind: 'pio', dir: 'write', addr: 0x3f8n, data: 0x41n, size: 1, dm: true },
      { dom: 1, vcpu: 0, cpu: 0, kind: 'pio', dir: 'read', addr: 0xcfcn, data: 0xdeadbeefn, size: 4, dm: true },
      { dom: 1, vcpu: 1, cpu: 1, kind: 'mmio', dir: 'write', addr: 0xfed00000n, data: 5n, size: 4, dm: false },
    ]);
    fs.writeFileSync(path.join(folder, 'golden-trace.bin'), golden.xentrace);
    fs.mkdirSync(path.join(folder, '.vscode'));
    fs.writeFileSync(path.join(folder, '.vscode', 'launch.json'), JSON.stringify({
      version: '0.2.0',
      configurations: [{
        type: 'ioreq-scope', request: 'launch', name: LAUNCH_NAME,
        scenario: `\${workspaceFolder}/${SCENARIO}`, stopOnEntry: true,
      }],
    }, null, 2));
    server = await startCodeServer({ vsix, keep: true });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot('failure').catch(() => undefined);
  });

  after(async function () {
    const failed = this.test?.parent?.tests.some((t) => t.state === 'failed');
    await browser?.stop().catch(() => undefined);
    if (server) {
      if (failed && fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, path.join(artifactsDir(), 'ui-code-server.log'));
      await server.stop();
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
    if (folder) removeWorkspace(folder);
    if (shots.length) console.log(`      screenshots: ${shots.join(', ')}`);
  });

  stage('workbench', [], 'opens the workspace in the workbench', async () => {
    await page.goto(server!.url(folder!), { timeout: 60000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await activity('Explorer').waitFor({ timeout: 30000 });
    await explorerRow(SCENARIO).waitFor({ timeout: 30000 });
    await screenshot('workbench');
  });

  stage('views', ['workbench'], `shows the "${VIEW_CONTAINER.title}" activity-bar item and its Model view`, async () => {
    await showContainer(VIEW_CONTAINER.title);
    await paneHeader(/^Model$/).waitFor({ timeout: 30000 });
    await paneHeader(/^Explorer Results$/).waitFor({ timeout: 15000 });
    await screenshot('ioreq-scope-views');
  });

  stage('tree', ['views'], `opens ${SCENARIO} from the explorer and shows domain d1 with its vcpus and ioreq server`, async () => {
    await showContainer('Explorer');
    await explorerRow(SCENARIO).click();
    await page.locator('.editor-group-container .tab', { hasText: SCENARIO }).first().waitFor({ timeout: 15000 });
    await showContainer(VIEW_CONTAINER.title);
    await expandPane(/^Model$/);
    // The open scenario is a root ("02-….ioreq.json", after the last step) holding the domains.
    await expandRow(modelRow(new RegExp(esc(SCENARIO))));
    const d1 = modelRow(/^\s*d1\b/);
    await d1.waitFor({ timeout: 20000 });
    assert.match(await d1.innerText(), /d1 \(HVM\)/);
    await expandRow(d1);
    await modelRow(/^\s*vcpus/).waitFor({ timeout: 10000 });
    await modelRow(SERVER_CREATED).waitFor({ timeout: 10000 });
    await expandRow(modelRow(/^\s*vcpus/));
    await modelRow(/^\s*vcpu 1(?!\d)/).waitFor({ timeout: 10000 });
    await screenshot('model-d1-expanded');
  });

  stage('debug', ['workbench'], 'starts the launch.json configuration with F5 and pauses on entry', async () => {
    // Focus the editor (the scenario, when the tree stage opened it) so F5 goes to the workbench's debug.start.
    const editor = page.locator('.editor-group-container .monaco-editor .view-lines').first();
    if (await editor.isVisible()) await editor.click();
    await page.keyboard.press('F5');
    const toolbar = page.locator('.debug-toolbar');
    try {
      await toolbar.waitFor({ timeout: 10000 });
    } catch {
      // F5 offered a picker instead (no launch configuration selected): pick ours by its text.
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: LAUNCH_NAME }).first();
      if (await row.isVisible()) await row.click();
      else {
        // The command first, then the configuration in the list it opens.
        await palette('Debug: Select and Start Debugging');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: LAUNCH_NAME }).first().click({ timeout: 10000 });
      }
      await toolbar.waitFor({ timeout: 20000 });
    }
    await showContainer('Run and Debug');
    await page.getByText(/Paused on entry/i).first().waitFor({ timeout: 20000 });
    await screenshot('debug-paused-on-entry');
  });

  stage('step', ['views', 'debug'], 'steps with F10 and the Model tree follows until the ioreq server is created', async () => {
    await showContainer(VIEW_CONTAINER.title);
    await expandPane(/^Model$/);
    // The session's root ("<launch name>", first, with the debug icon) holds the live model. The file's root shows only while the
    // scenario is the active editor (stepping opens listings); fold it away so every d1 / ioreq server row below
    // is the session's.
    const fileRoot = modelRow(new RegExp(esc(SCENARIO)));
    // The root can vanish between the check and the click when a listing becomes the active editor: then there is
    // nothing left to fold.
    if (await fileRoot.isVisible()) await setExpanded(fileRoot, false).catch(async () => assert.ok(!(await fileRoot.isVisible()), 'the file root is still there but could not be folded'));
    await expandRow(modelRow(new RegExp(`^\\s*${esc(LAUNCH_NAME)}`)));
    await page.waitForTimeout(500);
    const created = modelRow(SERVER_CREATED);
    const d1 = modelRow(/^\s*d1\b/);
    assert.ok(!(await created.isVisible()), `the ioreq server exists on entry:\n${(await modelRows()).join('\n')}`);
    await screenshot('model-on-entry');
    // The user's check: what the DEBUG CONSOLE reports the step did, the Model view shows right after it.
    const follows = async (what: string, row: Locator, step: number): Promise<void> => {
      const deadline = Date.now() + 3000;
      for (;;) {
        if (await d1.isVisible()) await expandRow(d1);
        if (await row.isVisible()) return;
        if (Date.now() > deadline) {
          await screenshot('model-did-not-follow');
          assert.fail(`the Model view does not follow the session: the debug console reported "${what}" at step ${step}, ` +
            `3 s later the view shows:\n${(await modelRows()).join('\n')}`);
        }
        await page.waitForTimeout(200);
      }
    };
    const replText = async (): Promise<string> => page.locator('.repl').innerText().catch(() => '');
    let d1Seen = false;
    let steps = 0;
    // Every statement line is a stop now: the runtime needs 68 nexts before the device model's first get of IOREQ_PFN
    // has created the server (the domain build's statements first).
    const STEP_LIMIT = 120;
    while (!(await created.isVisible())) {
      if (++steps > STEP_LIMIT) assert.fail(`no created ioreq server after ${STEP_LIMIT} steps; the Model view shows:\n${(await modelRows()).join('\n')}`);
      await page.keyboard.press('F10');
      await page.waitForTimeout(300);
      const repl = await replText();
      if (!d1Seen && /d1 created/.test(repl)) {
        await follows('domain_create: d1 created', d1, steps);
        d1Seen = true;
      }
      if (/ioreq server created for dm d0/.test(repl)) await follows('ioreq server created for dm d0', created, steps);
      if (steps === 3) await screenshot('model-after-3-steps');
    }
    console.log(`      (the ioreq server was created at F10 step ${steps})`);
    await screenshot('model-server-created');
    await showContainer('Run and Debug');
    await page.locator('.debug-toolbar').waitFor();
    await screenshot('debug-call-stack');
  });

  // A pane of the side bar by its title, and its rows' texts.
  const pane = (title: RegExp): Locator => sidebar().locator('.pane').filter({ has: page.locator('.pane-header h3.title', { hasText: title }) }).first();
  const rowsOf = async (p: Locator): Promise<string[]> => (await p.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const waitRows = async (p: Locator, re: RegExp, what: string): Promise<string[]> => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const rows = await rowsOf(p);
      if (rows.some((r) => re.test(r))) return rows;
      if (Date.now() > deadline) { await screenshot(`no-${what}`); assert.fail(`${what}: no row matching ${re} in\n${rows.join('\n')}`); }
      await page.waitForTimeout(250);
    }
  };

  stage('locals', ['debug'], "a breakpoint in the listing (ioreq-scope:/seed/hvm.c): Variables shows the C function's parameters and locals, Watch resolves d->…, stepOut reaches the scenario step, Step Back's key goes back, the Model view in Run and Debug survives an editor switch", async () => {
    // The listing under its stable name, a breakpoint on hvm_create_ioreq_server's statement that fills s's ports.
    await palette('IOREQ Scope: Open the Listing at This Function');
    const tab = page.locator('.editor-group-container .tab', { hasText: 'hvm.c' }).first();
    await tab.waitFor({ timeout: 15000 });
    const line = loadListing('seed/hvm.c').fns.get('hvm_create_ioreq_server')!.labels.get('init_ports')!;
    await page.keyboard.press('Control+g');
    await page.locator('.quick-input-widget input').fill(`:${line}`);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await page.keyboard.press('F9');
    await page.locator('.editor-group-container .codicon-debug-breakpoint').first().waitFor({ timeout: 10000 });
    await screenshot('listing-breakpoint');
    // Restart the session (stop on entry), then continue to the breakpoint. Through the palette: a webview (the
    // sequence view follows the stops) may hold the keyboard focus, and then the debug keys never reach the workbench.
    // The old session's "Paused on entry" goes as the restart begins (too quickly to see, at times), then the new
    // session's comes: continuing while the restart is still under way would lose the palette to it.
    const pausedOnEntry = page.getByText(/Paused on entry/i).first();
    await palette('Debug: Restart');
    await pausedOnEntry.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    await pausedOnEntry.waitFor({ timeout: 20000 });
    await page.waitForTimeout(1000);
    await palette('Debug: Continue');
    await page.getByText(/Paused on breakpoint/i).first().waitFor({ timeout: 20000 });
    await showContainer('Run and Debug');
    const variables = pane(/^Variables$/);
    await expandPane(/^Variables$/);
    // A row reads "name = value" (or "name: value" in other VS Code versions).
    let rows = await waitRows(variables, /^d\s*[=:]\s*d1 \(HVM\)/, 'variables-d');
    // VS Code keeps a variable's expansion from earlier stops; an expanded d pushes the other locals out of the
    // short pane (its rows are only drawn while in view): fold it to read them all. The rows first seen may still be
    // the previous stop's (the view refreshes after "Paused on breakpoint" shows): read again until this stop's
    // locals are all there, or the deadline.
    const wants = [/^domid\s*[=:]\s*0$/, /^s\s*[=:]\s*ioreq server of d1 for dm d0/, /^pfn\s*[=:]\s*0x0$/, /^rc\s*[=:]\s*-ENOMEM$/, /^v\s*[=:]\s*<not in scope>$/];
    for (const deadline = Date.now() + 15000; ;) {
      const dRow = variables.locator('.monaco-list-row[aria-expanded="true"]').filter({ hasText: /d1 \(HVM\)/ }).first();
      if (await dRow.count()) { await dRow.click(); await page.keyboard.press('ArrowLeft'); await page.waitForTimeout(300); }
      rows = await rowsOf(variables);
      if (wants.every((w) => rows.some((r) => w.test(r))) || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    for (const want of wants) assert.ok(rows.some((r) => want.test(r)), `Variables lacks ${want}:\n${rows.join('\n')}`);
    assert.ok(!rows.some((r) => /^(nrVcpus|va)\b/.test(r)), `no model-only names:\n${rows.join('\n')}`);
    await screenshot('variables-hvm_create_ioreq_server');
    // The C types the listing declares: VS Code shows a variable's type as the hover of its name.
    for (const [name, type] of [['s', 'struct hvm_ioreq_server *'], ['domid', 'domid_t'], ['pfn', 'unsigned long']]) {
      await page.mouse.move(700, 500);
      await page.waitForTimeout(300);
      await variables.locator('.monaco-list-row', { hasText: new RegExp(`^\\s*${name}\\s*[=:]`) }).first().locator('.name').first().hover();
      const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: type }).first();
      await hover.waitFor({ timeout: 10000 }).catch(async () => {
        await screenshot(`no-type-hover-${name}`);
        assert.fail(`no hover reading "${type}" on ${name}`);
      });
      if (name === 's') await screenshot('variables-c-type-hover');
    }
    await page.mouse.move(700, 500);
    // The README's watch.
    await expandPane(/^Watch$/);
    const watch = pane(/^Watch$/);
    await paneHeader(/^Watch$/).hover();
    await paneHeader(/^Watch$/).locator('.action-label[aria-label^="Add Expression"]').click();
    await page.keyboard.type('d->arch.hvm_domain.ioreq_server');
    await page.keyboard.press('Enter');
    await waitRows(watch, /^d->arch\.hvm_domain\.ioreq_server\s*[=:]\s*NULL$/, 'watch');
    await screenshot('watch-ioreq_server');
    // The call stack: the modelled frames and the scenario step; stepOut until the step's return.
    const stack = pane(/^Call Stack$/);
    await expandPane(/^Call Stack$/);
    await waitRows(stack, /hvm_create_ioreq_server/, 'call-stack');
    for (let i = 0; i < 6; i++) {
      const now = await rowsOf(stack);
      if (now.some((r) => /returned rc/.test(r))) break;
      await page.keyboard.press('Shift+F11');
      // Wait for the stop to show (the stack changes) before looking again, so no press lands past the return.
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline && (await rowsOf(stack)).join('\n') === now.join('\n')) await page.waitForTimeout(150);
      await page.waitForTimeout(300);
    }
    const out = await waitRows(stack, /step 2: .*returned rc 0/, 'step-return');
    assert.ok(!out.some((r) => /Unknown Source|^\(done\)|Load More/.test(r)), `placeholder frames:\n${out.join('\n')}`);
    await screenshot('stepout-to-scenario-step');
    // Step Back's key (shift+alt+f10): back into the step's outermost function, at its last statement.
    await page.keyboard.press('Shift+Alt+F10');
    await waitRows(stack, /^xc_get_hvm_param/, 'step-back');
    await screenshot('step-back-key');
    // The Model view beside Variables; an editor switch (the Output panel, then the scenario) leaves it as it was.
    await expandPane(/^IOREQ Model$/);
    const model = pane(/^IOREQ Model$/);
    const sessionRow = model.locator('.monaco-list-row', { hasText: new RegExp(esc(LAUNCH_NAME)) }).first();
    await expandRow(sessionRow);
    const d1 = model.locator('.monaco-list-row', { hasText: /^\s*d1\b/ }).first();
    await expandRow(d1);
    await model.locator('.monaco-list-row', { hasText: SERVER_CREATED }).first().waitFor({ timeout: 10000 });
    const before = await rowsOf(model);
    await palette('View: Toggle Output', /Output/);
    await page.waitForTimeout(500);
    await page.locator('.editor-group-container .tab').first().click();
    await page.waitForTimeout(800);
    const after = await rowsOf(model);
    assert.deepEqual(after, before, 'the Model view kept its rows and expansion across the editor switch');
    await screenshot('model-in-run-and-debug');
    // The memory view of the session: the ioreq page with its slots overlaid; a step changes bytes, marked.
    await palette("IOREQ Scope: Show the Special Pages' Memory");
    const mv = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await mv.locator('#grid .row .b').first().waitFor({ timeout: 20000 });
    assert.match(await mv.locator('#page').inputValue(), /^d1:0xfeff9$/, 'the ioreq page first');
    const title = await mv.locator('#grid .row .b').nth(0x1e).getAttribute('title');
    assert.match(title ?? '', /vcpu_ioreq\[0\]\.state:4 .*= state STATE_IOREQ_NONE/, `byte 0x1e: ${title}`);
    await screenshot('memory-view');
    await palette('View: Toggle Output', /Output/); // the panel back as it was
    // Close the memory view (its tab's close button): the next stage finds its own webview as the last one,
    // and the listing stays open where stepping shows it.
    const memTab = page.locator('.editor-group-container .tab', { hasText: 'IOREQ Scope: Memory' }).first();
    await memTab.hover();
    await memTab.locator('.action-label[aria-label^="Close"]').first().click();
    await memTab.waitFor({ state: 'detached', timeout: 10000 });
  });

  stage('layout', ['workbench'], 'shows the layout webview (every profile, pages outside marked)', async () => {
    await palette('IOREQ Scope: Show Special-Page Layout');
    // The webview's document sits two iframes deep.
    const view = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await view.locator('.column h2', { hasText: 'seed: reserved_mem_pgstart 0xfeffb' }).waitFor({ timeout: 20000 });
    assert.equal(await view.locator('.column').count(), 5, 'legacy, seed, 4.5, 4.21 and 4.21-arm side by side');
    assert.equal(await view.locator('.column').nth(1).locator('.page.outside').count(), 3, "the seed's CONSOLE, IOREQ and BUFIOREQ are outside");
    await screenshot('layout');
    await palette('View: Close Editor'); // the layout view, active since it opened
  });

  stage('sequence', ['step'], 'draws the session as a sequence diagram that follows the debugger, travels on a click, moves with the keys, and never mixes sessions', async () => {
    const webview = () => page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    // From the editor the debugger shows its listing in (as a user would): the view opens beside it, and the
    // listings the next stops open stay in their own group.
    const editor = page.locator('.editor-group-container .monaco-editor .view-lines').first();
    if (await editor.isVisible()) await editor.click();
    await palette('IOREQ Scope: Show the Sequence Diagram');
    let view = webview();
    await view.locator('.seq-title', { hasText: LAUNCH_NAME }).waitFor({ timeout: 20000 });
    const lanes = (await view.locator('.seq-lane-head').allInnerTexts()).map((t) => t.trim());
    for (const l of ['Xen', 'qemu', 'toolstack']) assert.ok(lanes.includes(l), `a lifeline for ${l}: ${lanes.join(', ')}`);
    const rows = await view.locator('.seq-row').count();
    assert.ok(rows > 5, `the session's events are drawn (${rows} rows)`);
    assert.ok(await view.locator('.seq-arrow').count() > 0, 'arrows between lifelines');
    assert.equal(await view.locator('.seq-row.current').count(), 1, 'the event at the stop is highlighted');
    // Earlier stages may have stepped back: whatever is drawn as ahead lies after the stop, and nothing before it is.
    const order = await view.locator('.seq-row').evaluateAll((els) => els.map((e: { className: string }) => e.className));
    const at = order.findIndex((c) => /\bcurrent\b/.test(c));
    assert.ok(order.every((c, k) => !/\bahead\b/.test(c) || k > at), 'only events after the stop are drawn as ahead');
    await screenshot('sequence-debug-session');
    // A step adds the step's events once (no duplicates): keys stay unique.
    await page.locator('.debug-toolbar .action-label[aria-label^="Step Over"]').first().click();
    await page.waitForTimeout(800);
    const keys = await view.locator('.seq-row').evaluateAll((els) => els.map((e: { dataset: Record<string, string> }) => e.dataset.key));
    assert.equal(new Set(keys).size, keys.length, 'every event once');
    // Click an early event: the debugger travels back there; later events are drawn as ahead.
    const target = view.locator('.seq-row').nth(3);
    const key = (await target.getAttribute('data-key'))!;
    await target.click();
    await view.locator('.seq-row.ahead').first().waitFor({ timeout: 15000 });
    const cur = Number(((await view.locator('.seq-row.current').getAttribute('data-key')) ?? '').slice(1));
    assert.ok(cur >= Number(key.slice(1)), `the stop (${cur}) is at or after the clicked event (${key})`);
    assert.ok(!(await view.locator(`#seq-${key}`).getAttribute('class'))!.includes('ahead'), 'the clicked event has happened');
    await screenshot('sequence-travelled');
    // Keyboard: the arrow keys move the selection.
    await view.locator('.seq-scroll').focus();
    const sel0 = await view.locator('.seq-row.selected').getAttribute('data-key');
    await view.locator('.seq-scroll').press('ArrowDown');
    const sel1 = await view.locator('.seq-row.selected').getAttribute('data-key');
    assert.ok(sel1 && sel1 !== sel0, `ArrowDown moved the selection (${sel0} -> ${sel1})`);
    await view.locator('.seq-scroll').press('ArrowUp');
    assert.equal(await view.locator('.seq-row.selected').getAttribute('data-key'), sel0, 'ArrowUp moved it back');

    // A second session, of a scenario with a vcpu: the view shows it alone, with requests, notifications, responses.
    await showContainer('Explorer');
    await (await revealInExplorer(SEQ_SCENARIO)).click();
    await page.locator('.editor-group-container .tab', { hasText: SEQ_SCENARIO }).first().waitFor({ timeout: 15000 });
    await palette('IOREQ Scope: Debug Scenario');
    await palette('IOREQ Scope: Show the Sequence Diagram');
    view = webview();
    // The view turns to the new session at its first stop (entry); Continue runs it to the failed expectation.
    await view.locator('.seq-title', { hasText: SEQ_SCENARIO }).waitFor({ timeout: 20000 });
    assert.ok(!(await view.locator('.seq-title').innerText()).includes(LAUNCH_NAME), 'the other session is not mixed in');
    // The toolbar's Continue acts once VS Code has the stop (a click before that does nothing): click until it runs.
    for (let k = 0; ; k++) {
      await page.waitForTimeout(1000);
      await page.locator('.debug-toolbar .action-label[aria-label^="Continue"]').first().click();
      try { await view.locator('.seq-row.response .seq-arrow').first().waitFor({ timeout: 5000 }); break; } catch (e) { if (k >= 3) throw e; }
    }
    const lanes2 = (await view.locator('.seq-lane-head').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(lanes2, ['d1v0', 'Xen', 'qemu', 'toolstack'], 'vcpu, Xen, device model, toolstack');
    for (const cls of ['request', 'notify', 'response', 'state']) assert.ok(await view.locator(`.seq-row.${cls}`).count() > 0, `a ${cls} item`);
    const labels = await view.locator('.seq-label, .seq-box').allInnerTexts();
    assert.ok(!labels.some((l) => l.includes('…')), 'no label is cut');
    await view.locator('.seq-row.current').waitFor({ timeout: 10000 });
    await screenshot('sequence-round-trip');
    // Stop both sessions.
    for (let i = 0; i < 4 && await page.locator('.debug-toolbar').isVisible(); i++) {
      await page.keyboard.press('Shift+F5');
      await page.waitForTimeout(1000);
    }
  });

  stage('watch', ['workbench'], "watches a slot's state byte from the memory view: Continue and Reverse Continue stop where it is written, naming the writer; VS Code's own Add Data Breakpoint at Address does the same", async () => {
    const stopSessions = async (): Promise<void> => {
      for (let i = 0; i < 4 && await page.locator('.debug-toolbar').isVisible(); i++) {
        await page.locator('.debug-toolbar .action-label[aria-label^="Stop"]').first().click();
        await page.waitForTimeout(1000);
      }
    };
    await stopSessions();
    // The breakpoints earlier stages left (the listing's) would stop this session first.
    await palette('Remove All Breakpoints', /Remove All Breakpoints/);
    await quickOpen(WATCH_SCENARIO);
    await page.locator('.editor-group-container .tab', { hasText: WATCH_SCENARIO }).first().waitFor({ timeout: 15000 });
    await palette('IOREQ Scope: Debug Scenario');
    await page.getByText(/Paused on entry/i).first().waitFor({ timeout: 20000 });
    // Run to the guest's first request (the ioreq page is mapped by then, the slot still free): a function breakpoint
    // typed into the Breakpoints view.
    await showContainer('Run and Debug');
    await palette('Add Function Breakpoint', /Add Function Breakpoint/);
    const bpInput = sidebar().locator('.debug-breakpoints .monaco-inputbox input').first();
    await bpInput.waitFor({ timeout: 10000 });
    await bpInput.fill('hvm_send_assist_req');
    await bpInput.press('Enter');
    await palette('Debug: Continue');
    await page.getByText(/Paused on function breakpoint/i).first().waitFor({ timeout: 20000 });
    await palette('Remove All Breakpoints', /Remove All Breakpoints/);

    // The memory view on the ioreq page; select vcpu 0's slot state byte (+0x1e: state is its low four bits) and
    // watch it.
    await palette("IOREQ Scope: Show the Special Pages' Memory");
    const mv = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    const stateByte = mv.locator('#grid .b[data-off="30"]');
    await stateByte.waitFor({ timeout: 20000 });
    assert.match(await mv.locator('#page').inputValue(), /^d1:0xfeff9$/, 'the ioreq page first');
    assert.match((await stateByte.getAttribute('title')) ?? '', /vcpu_ioreq\[0\]\.state:4 .*= state STATE_IOREQ_NONE/, 'the slot is free at the request');
    await stateByte.click();
    const watchButton = mv.locator('#watch');
    assert.equal((await watchButton.innerText()).trim(), 'Watch this byte');
    await watchButton.click();
    const WATCHED = 'watching d1:0xfeff9+0x1e, 1 byte(s)';
    await mv.locator('#watches .watch', { hasText: WATCHED }).waitFor({ timeout: 10000 });
    assert.match((await stateByte.getAttribute('class')) ?? '', /\bwatched\b/, 'the watched byte is marked');
    assert.equal(await mv.locator('#grid .b.watched').count(), 1, 'only that byte is marked');
    assert.match((await stateByte.getAttribute('title')) ?? '', /\(watched: d1:0xfeff9\+0x1e, 1 byte\(s\)\)/);
    await screenshot('memory-watch-marked');

    // The call stack names the writer on the stopped thread's row (VS Code draws that label in capitals); the rows of
    // the stop before go first.
    await expandPane(/^Call Stack$/);
    const stack = pane(/^Call Stack$/);
    const stopAt = async (writer: RegExp, frame: RegExp, what: string, gone?: RegExp): Promise<string[]> => {
      const deadline = Date.now() + 20000;
      for (;;) {
        const rows = await rowsOf(stack);
        const ok = rows.some((r) => writer.test(r)) && rows.some((r) => frame.test(r)) && !(gone && rows.some((r) => gone.test(r)));
        if (ok) return rows;
        if (Date.now() > deadline) { await screenshot(`no-${what}`); assert.fail(`${what}: no stop at ${writer} / ${frame} in\n${rows.join('\n')}`); }
        await page.waitForTimeout(250);
      }
    };
    // Reverse Continue is no palette command in VS Code 1.100: the debug toolbar's button.
    const reverseContinue = (): Promise<void> => page.locator('.debug-toolbar .action-label[aria-label^="Reverse"]').first().click();
    const BY_VCPU = /d1:0xfeff9\+0x1e \(1 byte\) written by d1v0 in hvm_send_assist_req_to_server \(ready\)/i;
    const BY_QEMU = /d1:0xfeff9\+0x1e \(1 byte\) written by qemu in cpu_get_ioreq \(inprocess\)/i;
    // Forwards: the vcpu marks its request READY.
    await palette('Debug: Continue');
    let rows = await stopAt(BY_VCPU, /^hvm_send_assist_req_to_server\b/, 'watch-stop-vcpu');
    assert.ok(rows.some((r) => /^vcpu d1v0\b.*written by d1v0/i.test(r)), `the stop is in the vcpu's thread:\n${rows.join('\n')}`);
    await page.locator('.editor-group-container .tab.active', { hasText: 'hvm.c' }).first().waitFor({ timeout: 10000 });
    // The stop opened the source in another group, though the memory view had focus: its group is locked, the bytes
    // stay in sight.
    assert.equal(await page.locator('.editor-group-container .tab.active', { hasText: 'IOREQ Scope: Memory' }).count(), 1, 'the memory view is still the shown tab of its group');
    const memGroup = page.locator('.editor-group-container', { has: page.locator('.tab', { hasText: 'IOREQ Scope: Memory' }) }).first();
    assert.match((await memGroup.getAttribute('class')) ?? '', /\blocked\b/, "the memory view's group is locked");
    assert.equal(await memGroup.locator('.editor-actions .action-label[aria-label="Unlock Group"]').count(), 1, 'the group offers Unlock Group');
    // The memory view followed: the byte now reads READY and is marked changed, still watched.
    for (const deadline = Date.now() + 10000; !/STATE_IOREQ_READY/.test((await stateByte.getAttribute('title')) ?? '') && Date.now() < deadline;) await page.waitForTimeout(250);
    assert.match((await stateByte.getAttribute('title')) ?? '', /= state STATE_IOREQ_READY .*\(changed at the last stop\)/);
    assert.match((await stateByte.getAttribute('class')) ?? '', /\bchanged\b.*\bwatched\b|\bwatched\b.*\bchanged\b/);
    // Variables follows the stop into the writer's frame: hvm_send_assist_req_to_server's own locals (its port 3).
    await expandPane(/^Variables$/);
    await waitRows(pane(/^Variables$/), /^port\s*=\s*3\b/, 'watch-variables-vcpu');
    await screenshot('watch-stop-vcpu-ready');
    // On: the device model takes it (INPROCESS).
    await palette('Debug: Continue');
    rows = await stopAt(BY_QEMU, /^cpu_get_ioreq\b/, 'watch-stop-qemu', BY_VCPU);
    assert.ok(rows.some((r) => /^device model qemu\b.*written by qemu/i.test(r)), `the stop is in the device model's thread:\n${rows.join('\n')}`);
    // …and into QEMU's: cpu_get_ioreq's, not the vcpu frame's of the stop before (i is the vcpu taken).
    await waitRows(pane(/^Variables$/), /^i\s*=\s*0\b/, 'watch-variables-qemu');
    await screenshot('watch-stop-qemu-inprocess');
    // Reverse Continue: who wrote it before, the vcpu's READY.
    await reverseContinue();
    await stopAt(BY_VCPU, /^hvm_send_assist_req_to_server\b/, 'watch-reverse', BY_QEMU);
    await screenshot('watch-reverse-continue');

    // Unwatched from the view; then VS Code's own data breakpoint on the same address (DAP dataBreakpointInfo with
    // asAddress and bytes) stops at the same writes.
    await mv.locator('#watches .unwatch').first().click();
    for (const deadline = Date.now() + 10000; (await mv.locator('#watches .watch').count()) && Date.now() < deadline;) await page.waitForTimeout(250);
    assert.equal(await mv.locator('#watches .watch').count(), 0, 'the watch is gone');
    assert.equal(await mv.locator('#grid .b.watched').count(), 0, 'no byte is marked watched');
    await palette('Add Data Breakpoint at Address', /Add Data Breakpoint at Address/);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10000 });
    await input.fill('0xfeff901e');
    await input.press('Enter');
    await expandPane(/^Breakpoints$/);
    const bps = pane(/^Breakpoints$/);
    await waitRows(bps, /d1:0xfeff9\+0x1e, 1 byte\(s\)/, 'data-breakpoint-row');
    await palette('Debug: Continue');
    await stopAt(BY_QEMU, /^cpu_get_ioreq\b/, 'address-bp-stop', BY_VCPU);
    await reverseContinue();
    await stopAt(BY_VCPU, /^hvm_send_assist_req_to_server\b/, 'address-bp-reverse', BY_QEMU);
    await screenshot('data-breakpoint-at-address');

    await palette('Remove All Breakpoints', /Remove All Breakpoints/);
    await stopSessions();
    const memTab = page.locator('.editor-group-container .tab', { hasText: 'IOREQ Scope: Memory' }).first();
    if (await memTab.isVisible()) {
      await memTab.hover();
      await memTab.locator('.action-label[aria-label^="Close"]').first().click();
    }
  });

  stage('locals-421', ['workbench'], "stops in 4.21's common ioreq.c (ioreq-scope:/4.21/common/ioreq.c): the C statement is the current line, Variables shows ioreq_send's parameters with the types the listing declares and the request as an ioreq_t", async () => {
    for (let i = 0; i < 4 && await page.locator('.debug-toolbar').isVisible(); i++) {
      await page.locator('.debug-toolbar .action-label[aria-label^="Stop"]').first().click();
      await page.waitForTimeout(1000);
    }
    await palette('Remove All Breakpoints', /Remove All Breakpoints/);
    await quickOpen(X421_SCENARIO);
    await page.locator('.editor-group-container .tab', { hasText: X421_SCENARIO }).first().waitFor({ timeout: 15000 });
    await palette('IOREQ Scope: Debug Scenario');
    await page.getByText(/Paused on entry/i).first().waitFor({ timeout: 20000 });
    await showContainer('Run and Debug');
    await palette('Add Function Breakpoint', /Add Function Breakpoint/);
    const bpInput = sidebar().locator('.debug-breakpoints .monaco-inputbox input').first();
    await bpInput.waitFor({ timeout: 10000 });
    await bpInput.fill('ioreq_send');
    await bpInput.press('Enter');
    await palette('Debug: Continue');
    await page.getByText(/Paused on function breakpoint/i).first().waitFor({ timeout: 20000 });
    await palette('Remove All Breakpoints', /Remove All Breakpoints/);
    // The listing is open at ioreq_send's first statement, as C.
    await page.locator('.editor-group-container .tab.active', { hasText: 'ioreq.c' }).first().waitFor({ timeout: 15000 });
    const current = page.locator('.editor-group-container .monaco-editor .view-line').filter({ hasText: 'ioreq_send_buffered(s, proto_p)' }).first();
    await current.waitFor({ timeout: 10000 });
    const variables = pane(/^Variables$/);
    await expandPane(/^Variables$/);
    const wants = [/^s\s*[=:]\s*ioreq server 0 of d1 for dm d0, enabled/, /^proto_p\s*[=:]\s*IOREQ_TYPE_PIO write 0x3f8 size 1, STATE_IOREQ_READY$/, /^buffered\s*[=:]\s*0$/];
    let rows: string[] = [];
    for (const deadline = Date.now() + 15000; ;) {
      rows = await rowsOf(variables);
      if (wants.every((w) => rows.some((r) => w.test(r))) || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    for (const want of wants) assert.ok(rows.some((r) => want.test(r)), `Variables lacks ${want}:\n${rows.join('\n')}`);
    for (const [name, type] of [['s', 'struct ioreq_server *'], ['proto_p', 'ioreq_t *'], ['buffered', 'bool']]) {
      await page.mouse.move(700, 500);
      await page.waitForTimeout(300);
      await variables.locator('.monaco-list-row', { hasText: new RegExp(`^\\s*${name}\\s*[=:]`) }).first().locator('.name').first().hover();
      const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: type }).first();
      await hover.waitFor({ timeout: 10000 }).catch(async () => {
        await screenshot(`no-type-hover-421-${name}`);
        assert.fail(`no hover reading "${type}" on ${name}`);
      });
      if (name === 's') await screenshot('variables-421-ioreq_send');
    }
    await page.mouse.move(700, 500);
    for (let i = 0; i < 4 && await page.locator('.debug-toolbar').isVisible(); i++) {
      await page.locator('.debug-toolbar .action-label[aria-label^="Stop"]').first().click();
      await page.waitForTimeout(1000);
    }
  });

  stage('problems', ['workbench'], 'shows the broken scenario\'s error in the Problems view', async () => {
    if (await page.locator('.debug-toolbar').isVisible()) {
      await page.keyboard.press('Shift+F5'); // stop debugging
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15000 });
    }
    await showContainer('Explorer');
    await (await revealInExplorer(BROKEN)).click();
    await page.locator('.editor-group-container .tab', { hasText: BROKEN }).first().waitFor({ timeout: 15000 });
    const panelOpen = await page.locator('.markers-panel').isVisible();
    if (!panelOpen) await palette('View: Toggle Problems');
    // The marker row: message, source and position (the file's own row above it names only the file).
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: /ioreq-scope/ }).first();
    await problem.waitFor({ timeout: 20000 });
    const text = await page.locator('.markers-panel').innerText();
    assert.match(text, /ioreq-scope/, `Problems view without an ioreq-scope entry:\n${text}`);
    assert.match(text, new RegExp(`\\[Ln ${brokenScenario().line + 1}, Col \\d+\\]`), `no entry at line ${brokenScenario().line + 1}:\n${text}`);
    await screenshot('problems-broken-scenario');
  });

  stage('explore-progress', ['workbench'], 'explores a long scenario: the notification shows states/s, frontier and heap as it goes, and Cancel stops the search', async () => {
    if (await page.locator('.debug-toolbar').isVisible()) {
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15000 });
    }
    await showContainer('Explorer');
    await (await revealInExplorer(LONG_SCENARIO)).click();
    await page.locator('.editor-group-container .tab', { hasText: LONG_SCENARIO }).first().waitFor({ timeout: 15000 });
    await palette('IOREQ Scope: Explore Every Interleaving', /Explore Every Interleaving/);
    // The search runs on a worker thread, so its reports reach the notification while it runs.
    const toast = page.locator('.notification-toast', { hasText: /Exploring 97-explore-3vcpu/ }).first();
    const PROGRESS = /[\d,]+ states \([\d,]+\/s\), frontier [\d,]+, depth \d+, heap \d+ MiB/;
    await toast.waitFor({ timeout: 30000 });
    let first = '';
    for (let i = 0; i < 120 && !PROGRESS.test(first); i++) { await page.waitForTimeout(500); first = await toast.innerText(); }
    assert.match(first, PROGRESS, 'the notification shows no progress');
    await page.waitForTimeout(1500);
    const later = await toast.innerText();
    assert.notEqual(later, first, `the progress did not move:\n${first}`);
    await screenshot('explore-progress');
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await toast.waitFor({ state: 'hidden', timeout: 30000 });
    // Cancelled: the results view says the search is incomplete (its states are fewer than the whole graph's).
    const summary = sidebar().locator('.monaco-list-row', { hasText: /97-explore-3vcpu.*search incomplete/ }).first();
    await summary.waitFor({ timeout: 30000 });
    const states = Number(/([\d]+) states, search incomplete/.exec(await summary.innerText())?.[1]);
    assert.ok(states > 0 && states < 618712, `states after Cancel: ${states}`);
    await screenshot('explore-cancelled');
  });

  stage('counterexample', ['workbench'], "explores 20, debugs the lost request's counterexample from the results view: Continue stops at the failing after checks, then at the violation, on the violating step's line", async () => {
    if (await page.locator('.debug-toolbar').isVisible()) {
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15000 });
    }
    await palette('Remove All Breakpoints', /Remove All Breakpoints/);
    await showContainer('Explorer');
    await (await revealInExplorer(CEX_SCENARIO)).click();
    await page.locator('.editor-group-container .tab', { hasText: CEX_SCENARIO }).first().waitFor({ timeout: 15000 });
    await palette('IOREQ Scope: Explore Every Interleaving', /Explore Every Interleaving/);
    // The results view: the exploration's summary, and the violation with its actions.
    const violation = pane(/Explorer Results/i).locator('.monaco-list-row', { hasText: /^\s*lost-request\s*\d+ steps: / }).first();
    await violation.waitFor({ timeout: 30000 });
    await screenshot('explore-results-violation');
    await violation.hover();
    await violation.locator('.action-label[aria-label="Debug Counterexample"]').first().click();
    // The counterexample is saved beside the scenario (counterexamples/) and debugged from its entry. (VS Code opens
    // Run and Debug by itself only for a window's first session.)
    await showContainer('Run and Debug');
    await page.getByText(/Paused on entry/i).first().waitFor({ timeout: 20000 });
    const cexTab = page.locator('.editor-group-container .tab.active', { hasText: /^20-explore-lost-request\.lost-request(-\d+)?\.ioreq\.json/ }).first();
    await expandPane(/^Call Stack$/);
    const stack = pane(/^Call Stack$/);
    // Continue: the violating step's failing after checks first (a stop of their own), then the violation.
    const widget = page.locator('.exception-widget', { hasText: /lost-request: / }).first();
    let stops = 0;
    const anyWidget = page.locator('.exception-widget').first();
    for (; stops < 8 && !(await widget.count()); stops++) {
      const before = (await anyWidget.count()) ? await anyWidget.innerText() : '';
      await palette('Debug: Continue');
      for (const deadline = Date.now() + 20000; ;) {
        const now = (await anyWidget.count()) ? await anyWidget.innerText().catch(() => '') : '';
        if (now && now !== before) break;
        if (Date.now() > deadline) { await screenshot('no-counterexample-stop'); assert.fail(`no new exception stop after Continue ${stops + 1} (was: ${before})`); }
        await page.waitForTimeout(250);
      }
      if (stops === 0) await screenshot('counterexample-after-check');
    }
    await widget.waitFor({ timeout: 15000 });
    assert.ok(stops >= 2, `the after checks' stop came first (${stops} Continue)`);
    assert.match(await widget.innerText(), /lost-request: d1v0's I\/O was dropped by hvm_send_assist_req/);
    const rows = await waitRows(stack, /^step \d+: pio_write\b/, 'counterexample-frame');
    assert.ok(rows.some((r) => /^vcpu d1v0\b/i.test(r)), `the stop is in the vcpu's thread:\n${rows.join('\n')}`);
    // The editor is on that step's line of the saved file; Variables shows the step's scopes.
    await cexTab.waitFor({ timeout: 10000 });
    await page.waitForTimeout(1000);
    await screenshot('counterexample-violation');
    await page.keyboard.press('Shift+F5');
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15000 });
  });

  stage('trace', ['workbench'], 'opens a xentrace capture: the trace view shows the summary and timeline, and checks it against the model', async () => {
    await palette('IOREQ Scope: Open a Trace');
    // The workbench's own file dialog (a quick input): type the path, Enter.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10000 });
    // The dialog may re-render with its folder after the first fill (seen under load): fill until the value holds.
    const target = path.join(folder!, 'golden-trace.bin');
    for (let k = 0; k < 10; k++) {
      await input.fill(target);
      await page.waitForTimeout(300);
      if (await input.inputValue() === target) break;
    }
    await page.keyboard.press('Enter');
    const view = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await view.locator('#summary tbody tr').first().waitFor({ timeout: 30000 });
    assert.equal(await view.locator('#timeline tbody tr').count(), 3, 'three guest I/O in the timeline');
    assert.equal(await view.locator('#summary tbody tr').count(), 2, 'the two counted addresses in the summary');
    // The sequence diagram of the trace: a lifeline per vcpu, Xen, the device model; each I/O's arrows; a click selects.
    await view.locator('#sequence .seq-row').first().waitFor({ timeout: 10000 });
    const lanes = (await view.locator('#sequence .seq-lane-head').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(lanes, ['d1v0', 'd1v1', 'Xen', 'device model']);
    assert.equal(await view.locator('#sequence .seq-row.request').count(), 3, 'one exit per guest I/O');
    assert.ok(await view.locator('#sequence .seq-arrow').count() >= 8, 'the exits, requests to the device model, answers and VMENTRYs');
    await view.locator('#sequence .seq-row.notify').first().click();
    await view.locator('#sequence .seq-row.selected').waitFor({ timeout: 5000 });
    assert.ok(await view.locator('#sequence .seq-row.group').count() >= 2, "the I/O's other items are marked with it");
    assert.match(await view.locator('#sequence .seq-detail').innerText(), /golden-trace\.bin@\d+/);
    await view.locator('#timeline tr.selected').waitFor({ timeout: 5000 });
    await screenshot('trace-sequence');
    await view.locator('#summary th', { hasText: 'count' }).click();
    await screenshot('trace-view');
    await view.locator('#check').click();
    await view.locator('#check-result h2', { hasText: /0 disagreement/ }).waitFor({ timeout: 30000 });
    await screenshot('trace-checked');
  });
});
