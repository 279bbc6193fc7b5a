// The memory view's page: a special page's bytes in rows of 16, fields overlaid (title: field and decoded value),
// changed bytes marked; arrow keys move, Enter or double-click edits a byte (two hex digits, Enter writes); shift-click
// or shift+arrows select a range, "Watch these bytes" (or W) sets a data breakpoint on it, watched bytes are marked.
// The messages are typed in src/common/messages.ts (checked by tsc -p media).
// @ts-check
(function () {
  /** @typedef {import('../src/common/messages').MemoryToView} ToView */
  /** @typedef {import('../src/common/messages').MemoryFromView} FromView */
  /** @typedef {import('../src/common/messages').PageMessage} Page */
  /** @typedef {import('../src/common/messages').WatchedRange} Watch */
  /** @type {import('../src/common/messages').WebviewApi<FromView>} */
  const vscode = acquireVsCodeApi();
  const watchButton = document.getElementById('watch');
  const watchList = document.getElementById('watches');
  /** @type {Watch[]} */
  let watches = [];
  /** The other end of a range selection (shift-click), or -1. */
  let anchor = -1;
  const selLo = () => (anchor < 0 ? sel : Math.min(anchor, sel));
  const selHi = () => (anchor < 0 ? sel : Math.max(anchor, sel));
  /** @param {Page} p @param {number} off */
  const watchedAt = (p, off) => watches.find((w) => w.memoryReference === p.memoryReference && off >= w.offset && off < w.offset + w.count);
  function watchSelection() {
    const p = current(); if (!p) return;
    /** @type {FromView} */
    const m = { type: 'watch', ref: p.memoryReference, offset: selLo(), count: selHi() - selLo() + 1 };
    vscode.postMessage(m);
  }
  const select = document.getElementById('page');
  const grid = document.getElementById('grid');
  const legend = document.getElementById('legend');
  const where = document.getElementById('where');
  const hint = document.getElementById('hint');
  /** @type {Page[]} */
  let pages = [];
  let focus;
  let sel = 0;

  function current() { return pages.find((p) => p.memoryReference === focus) || pages.find((p) => p.kind === 'ioreq') || pages[0]; }
  function fieldAt(p, off) { return p.fields.findIndex((f) => off >= f.offset && off < f.offset + f.size); }

  function render() {
    const p = current();
    select.textContent = '';
    for (const q of pages) {
      const o = document.createElement('option');
      o.value = q.memoryReference; o.textContent = `${q.memoryReference} ${q.name}${q.changed.length ? ' *' : ''}`;
      if (p && q.memoryReference === p.memoryReference) o.selected = true;
      select.appendChild(o);
    }
    grid.textContent = ''; legend.textContent = '';
    if (!p) return;
    hint.style.display = 'none';
    const changed = new Set(p.changed);
    where.textContent = `${p.name} at pfn 0x${p.pfn.toString(16)} of d${p.domid}: ${p.changed.length} byte(s) changed at the last stop`;
    // The rows that hold fields or changes (an ioreq page's slots, the ring's used part), else the first 8 rows.
    const rows = new Set();
    for (const f of p.fields) for (let o = f.offset; o < f.offset + f.size; o++) rows.add(o >> 4);
    for (const o of changed) rows.add(o >> 4);
    if (!rows.size) for (let r = 0; r < 8; r++) rows.add(r);
    const bytes = p.bytes;
    let last = -1;
    for (const r of [...rows].sort((a, b) => a - b)) {
      if (last >= 0 && r !== last + 1) { const gap = document.createElement('div'); gap.className = 'row'; gap.textContent = '   …'; grid.appendChild(gap); }
      last = r;
      const row = document.createElement('div'); row.className = 'row';
      const a = document.createElement('span'); a.className = 'addr'; a.textContent = (p.pfn * 4096 + r * 16).toString(16).padStart(9, '0'); row.appendChild(a);
      for (let c = 0; c < 16; c++) {
        const off = r * 16 + c;
        const v = parseInt(bytes.substr(off * 2, 2), 16);
        const b = document.createElement('span');
        const fi = fieldAt(p, off);
        const wt = watchedAt(p, off);
        b.className = 'b' + (fi >= 0 ? ` f${fi % 4}` : '') + (v === 0 ? ' z' : '') + (changed.has(off) ? ' changed' : '') + (off >= selLo() && off <= selHi() ? ' sel' : '') + (wt ? ' watched' : '');
        b.textContent = bytes.substr(off * 2, 2);
        b.dataset.off = String(off);
        const f = fi >= 0 ? p.fields[fi] : undefined;
        b.title = `+0x${off.toString(16)}${f ? `  ${f.name}${f.value ? ' = ' + f.value : ''}` : ''}${changed.has(off) ? '  (changed at the last stop)' : ''}${wt ? `  (watched: ${wt.description})` : ''}`;
        row.appendChild(b);
      }
      grid.appendChild(row);
    }
    watchList.textContent = '';
    for (const w of watches) {
      const item = document.createElement('span'); item.className = 'watch'; item.textContent = `watching ${w.description}`;
      const x = document.createElement('button'); x.className = 'unwatch'; x.textContent = '×'; x.title = 'Stop watching these bytes';
      /** @type {FromView} */ const un = { type: 'unwatch', id: w.id };
      x.addEventListener('click', () => vscode.postMessage(un));
      item.appendChild(x); watchList.appendChild(item);
    }
    watchButton.textContent = selHi() > selLo() ? `Watch these bytes (${selHi() - selLo() + 1})` : 'Watch this byte';
    for (const f of p.fields.slice(0, 40)) {
      const s = document.createElement('span'); s.className = `f f${p.fields.indexOf(f) % 4}`; s.textContent = `${f.name}${f.value ? ' = ' + f.value : ''}`;
      legend.appendChild(s);
    }
  }

  function edit(span) {
    const p = current(); if (!p) return;
    const off = Number(span.dataset.off);
    span.classList.add('editing'); span.contentEditable = 'true'; span.focus();
    const range = document.createRange(); range.selectNodeContents(span); const s = window.getSelection(); s.removeAllRanges(); s.addRange(range);
    const done = (ok) => {
      span.contentEditable = 'false'; span.classList.remove('editing');
      const t = span.textContent.trim();
      if (ok && /^[0-9a-fA-F]{1,2}$/.test(t)) vscode.postMessage({ type: 'write', ref: p.memoryReference, offset: off, value: parseInt(t, 16) });
      else render();
    };
    span.onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); done(true); } if (e.key === 'Escape') { e.preventDefault(); done(false); } };
    span.onblur = () => done(false);
  }

  grid.addEventListener('dblclick', (e) => { const t = /** @type {HTMLElement} */ (e.target); if (t.dataset && t.dataset.off) { sel = Number(t.dataset.off); edit(t); } });
  grid.addEventListener('click', (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    if (!t.dataset || !t.dataset.off) return;
    if (e.shiftKey) { if (anchor < 0) anchor = sel; } else anchor = -1;
    sel = Number(t.dataset.off); render();
  });
  watchButton.addEventListener('click', watchSelection);
  grid.addEventListener('keydown', (e) => {
    if (document.activeElement !== grid) return;
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -16, ArrowDown: 16 }[e.key];
    if (step) { e.preventDefault(); if (e.shiftKey) { if (anchor < 0) anchor = sel; } else anchor = -1; sel = Math.max(0, Math.min(4095, sel + step)); render(); grid.focus(); }
    if (e.key === 'w' || e.key === 'W') { e.preventDefault(); watchSelection(); }
    if (e.key === 'Enter') { const s = grid.querySelector(`[data-off="${sel}"]`); if (s) { e.preventDefault(); edit(s); } }
  });
  select.addEventListener('change', () => { focus = /** @type {HTMLSelectElement} */ (select).value; vscode.postMessage({ type: 'focus', ref: focus }); render(); });
  window.addEventListener('message', (/** @type {MessageEvent<ToView>} */ e) => {
    const m = e.data;
    if (m.type === 'pages') { pages = m.pages; watches = m.watches; if (m.focus) focus = m.focus; render(); }
  });
  vscode.postMessage({ type: 'ready' });
})();
