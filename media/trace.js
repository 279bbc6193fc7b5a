// The trace view's webview side: renders the summary, gaps and timeline the extension posts, sorts tables by the
// clicked column, and sends the action buttons back to the extension.
// The messages are typed in src/common/messages.ts (checked by tsc -p media).
// @ts-check
(function () {
  /** @typedef {import('../src/common/messages').TraceToView} ToView */
  /** @typedef {import('../src/common/messages').TraceFromView} FromView */
  /** @typedef {import('../src/common/messages').TraceSummaryRow} SummaryRow */
  /** @typedef {import('../src/trace/sequence').TraceIo} Io */
  /** @typedef {import('../src/trace/sequence').SeqDoc} SeqDoc */
  /** @type {import('../src/common/messages').WebviewApi<FromView>} */
  const vscode = acquireVsCodeApi();
  /** @param {string} id */
  const $ = (id) => document.getElementById(id);
  /** @param {string} id */
  const tableOf = (id) => /** @type {HTMLTableElement} */ ($(id));
  /** @type {import('../src/common/messages').TraceAction[]} */
  const actions = ['scenario', 'check', 'debug'];
  for (const a of actions) $(a).addEventListener('click', () => vscode.postMessage({ type: a }));

  const hex = (v) => (typeof v === 'string' ? v : v == null ? '' : '0x' + Number(v).toString(16));
  /**
   * A sortable table of `rows`, one column per `cols` entry (get: the cell, sort: the sort key when not the cell).
   * @template R
   * @param {HTMLTableElement} el
   * @param {Array<{ name: string, get: (r: R) => unknown, sort?: (r: R) => unknown, num?: boolean }>} cols
   * @param {R[]} rows
   * @param {(r: R) => number} [seqOf] the I/O a row shows (the timeline's: the sequence diagram's click marks it)
   */
  function table(el, cols, rows, seqOf) {
    let sortKey = null, asc = true;
    const render = () => {
      const data = rows.slice();
      if (sortKey !== null) {
        const c = cols[sortKey];
        data.sort((a, b) => {
          const x = c.sort ? c.sort(a) : c.get(a), y = c.sort ? c.sort(b) : c.get(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
      }
      el.textContent = '';
      const head = el.createTHead().insertRow();
      cols.forEach((c, i) => {
        const th = document.createElement('th');
        th.textContent = c.name + (sortKey === i ? (asc ? ' ▲' : ' ▼') : '');
        th.tabIndex = 0;
        th.setAttribute('role', 'columnheader');
        const go = () => { if (sortKey === i) asc = !asc; else { sortKey = i; asc = true; } render(); };
        th.addEventListener('click', go);
        th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
        head.appendChild(th);
      });
      const body = el.createTBody();
      for (const r of data) {
        const tr = body.insertRow();
        if (seqOf) tr.dataset.seq = String(seqOf(r));
        for (const c of cols) { const td = tr.insertCell(); td.textContent = String(c.get(r)); if (c.num) td.className = 'num'; }
      }
    };
    render();
  }
  // The sequence diagram (media/sequence.js): a click or Enter selects an I/O (its items and its timeline row).
  /** @type {IoreqSequenceDiagram | null} */
  let diagram = null;
  /** @param {SeqDoc | null} doc */
  function drawSequence(doc) {
    const root = $('sequence');
    if (!doc) { root.hidden = true; return; }
    root.hidden = false;
    if (!diagram) diagram = window.IoreqSequence.create(root, { onActivate: (it) => markRow(it.ref) });
    diagram.render(doc);
  }
  /** @param {number} seq */
  function markRow(seq) {
    for (const tr of document.querySelectorAll('#timeline tr.selected')) tr.classList.remove('selected');
    const tr = document.querySelector('#timeline tr[data-seq="' + seq + '"]');
    if (tr) tr.classList.add('selected');
  }
  /** @param {string | number} s */
  const addrSort = (s) => (typeof s === 'string' ? s.replace(/^0x/, '').padStart(16, '0') : s);

  window.addEventListener('message', (/** @type {MessageEvent<ToView>} */ ev) => {
    const m = ev.data;
    if (m.type === 'trace') {
      const d = m.data;
      $('title').textContent = 'Trace: ' + d.files.map((f) => f.split(/[\\/]/).pop()).join(', ');
      $('files').textContent = (d.fileStats || []).map((f) => `${f.name.split(/[\\/]/).pop()}: ${f.format}`).join(' · ') +
        (d.dmRequests ? ` · ${d.dmRequests} device-model requests, ${d.matched} matched to guest I/O` : '');
      drawSequence(d.sequence);
      const s = d.summary;
      table(tableOf('summary'), [
        { name: 'domain', get: (r) => 'd' + r.dom, sort: (r) => r.dom },
        { name: 'vcpu', get: (r) => r.vcpu, num: true },
        { name: 'kind', get: (r) => r.kind },
        { name: 'address', get: (r) => r.addr, sort: (r) => addrSort(r.addr) },
        { name: 'dir', get: (r) => r.dir },
        { name: 'count', get: (r) => r.count, num: true },
        { name: 'seconds', get: (r) => r.seconds.toFixed(6), sort: (r) => r.seconds, num: true },
        { name: 'share %', get: (r) => r.sharePct.toFixed(2), sort: (r) => r.sharePct, num: true },
        { name: 'mean cyc', get: (r) => r.meanCycles, num: true },
        { name: 'min', get: (r) => r.min, num: true },
        { name: 'max', get: (r) => r.max, num: true },
      ], s.rows);
      const gaps = $('gaps');
      gaps.textContent = '';
      for (const g of d.gaps || []) { const li = document.createElement('li'); li.textContent = g.source === 'qemu' ? `${g.place}: ${g.lost} QEMU event(s) dropped` : `p${g.cpu}: ${g.lost} record(s) lost, tsc ${g.fromTsc} to ${g.toTsc} (${g.place})`; gaps.appendChild(li); }
      if (!(d.gaps || []).length) gaps.textContent = 'none';
      $('timeline-hint').textContent = d.summaryOnly ? 'The capture is large: only the summary was imported (the command line prints the whole timeline).' :
        `${d.iosTotal} guest I/O${d.iosTotal > d.ios.length ? `, the first ${d.ios.length} shown` : ''}. Latency: cycles from the exit to the VMENTRY that completed it.`;
      table(tableOf('timeline'), [
        { name: '#', get: (r) => r.seq, num: true },
        { name: 'tsc', get: (r) => r.tsc, num: true },
        { name: 'pCPU', get: (r) => r.cpu, num: true },
        { name: 'vcpu', get: (r) => (r.dom === null ? '?' : `d${r.dom}v${r.vcpu}`) },
        { name: 'kind', get: (r) => r.kind },
        { name: 'dir', get: (r) => r.dir },
        { name: 'address', get: (r) => r.addr, sort: (r) => addrSort(r.addr) },
        { name: 'data', get: (r) => (r.data === null ? 'ptr' : hex(r.data)) },
        { name: 'size', get: (r) => (r.size === null ? '' : r.size), num: true },
        { name: 'exit', get: (r) => (r.exitReason === null ? '' : r.exitReason), num: true },
        { name: 'latency', get: (r) => (r.latencyCycles === null ? '' : r.latencyCycles), num: true },
        { name: 'device model', get: (r) => (r.dm ? r.dm.place : r.blocked ? '(blocked)' : '') },
        { name: 'place', get: (r) => r.place },
      ], d.ios || [], (r) => r.seq);
    } else if (m.type === 'check') {
      const el = $('check-result');
      el.textContent = '';
      const h = document.createElement('h2');
      h.textContent = m.cancelled ? 'Check cancelled' : `Check against the model: ${m.disagreements.length} disagreement(s)`;
      el.appendChild(h);
      const ul = document.createElement('ul');
      for (const x of m.disagreements) { const li = document.createElement('li'); li.textContent = `${x.place}: ${x.what}`; ul.appendChild(li); }
      el.appendChild(ul);
    }
  });
  // Messages posted before this script ran are lost: ask for the content once listening.
  vscode.postMessage({ type: 'ready' });
})();
