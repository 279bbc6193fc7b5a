// The sequence diagram's renderer, shared by the debug session's Sequence view and the trace view. It draws a
// document shaped by src/trace/sequence.ts: a header, one lifeline per lane (sticky lane heads), one row per item —
// an arrow between two lifelines with its label above it, or a box on one lifeline — with the current stop's item
// highlighted and scrolled into view. Labels wrap (never cut); each row's tooltip and the detail line give the whole
// text. Keyboard: Up/Down/Home/End/PageUp/PageDown move the selection, Enter activates it (a click does both).
// Colours are the theme's (var(--vscode-*)). No inline styles (the CSP has none): only CSSOM properties are set.
// The document's shape is src/trace/sequence.ts's SeqDoc, the renderer's API media/webview.d.ts's IoreqSequence
// (checked by tsc -p media).
// @ts-check
(function () {
  /** @typedef {import('../src/trace/sequence').SeqDoc} SeqDoc */
  /** @typedef {import('../src/trace/sequence').SeqItem} SeqItem */
  /** @param {string} tag @param {string} [cls] @param {string} [text] */
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const GLYPH = { request: '→ request', notify: '⇢ notification', response: '⇠ response', call: '→ call', state: '▭ state', work: '▭ device model', error: '⚠ error', note: '• note', gap: '≋ gap' };

  /**
   * Makes a diagram in `root`. opts.onActivate(item) is called on click / Enter (the debugger travels, a trace
   * selects); returns { render(doc), select(key) }.
   * @param {HTMLElement} root @param {IoreqSequenceOptions} [opts] @returns {IoreqSequenceDiagram}
   */
  function create(root, opts) {
    root.classList.add('seq-root');
    const head = el('div', 'seq-header');
    const title = el('h2', 'seq-title');
    const sub = el('div', 'seq-sub');
    const note = el('div', 'seq-note');
    const legend = el('div', 'seq-legend');
    for (const k of ['request', 'notify', 'response', 'call', 'state', 'error']) legend.appendChild(el('span', 'seq-key ' + k, GLYPH[k]));
    head.append(title, sub, note, legend);
    const scroll = el('div', 'seq-scroll');
    scroll.tabIndex = 0;
    scroll.setAttribute('role', 'listbox');
    scroll.setAttribute('aria-label', 'sequence diagram: arrow keys move the selection, Enter goes to the event');
    const detail = el('div', 'seq-detail');
    detail.setAttribute('aria-live', 'polite');
    root.append(head, scroll, detail);

    /** @type {SeqDoc | null} */
    let doc = null;
    /** @type {HTMLElement[]} */
    let rows = [];
    /** @type {Map<string, { r: HTMLElement, it: SeqItem }>} */
    let byKey = new Map();
    /** @type {string | null} */
    let selected = null;

    /** @param {SeqDoc['lanes']} lanes @returns {Map<string, number>} */
    const colOf = (lanes) => { const m = new Map(); lanes.forEach((l, i) => m.set(l.id, i + 2)); return m; };

    /** @param {SeqItem} it @param {Map<string, number>} col @param {number} n */
    function row(it, col, n) {
      const r = el('div', 'seq-row ' + it.cls);
      r.id = 'seq-' + it.key;
      r.dataset.key = it.key;
      r.setAttribute('role', 'option');
      r.title = it.title;
      r.appendChild(el('div', 'seq-num', it.head ? (it.ref >= 0 ? '#' + it.ref : '') : ''));
      for (let i = 0; i < n; i++) { const c = el('div', 'seq-life'); c.style.gridColumn = String(i + 2); r.appendChild(c); }
      const a = col.get(it.from) ?? 2;
      const b = it.to !== undefined ? (col.get(it.to) ?? 2) : a;
      if (it.cls === 'gap') {
        const g = el('div', 'seq-gap', it.label);
        g.style.gridColumn = '2 / ' + (n + 2);
        r.appendChild(g);
      } else if (a === b) {
        const box = el('div', 'seq-box', it.label);
        box.style.gridColumn = String(a);
        r.appendChild(box);
      } else {
        const lo = Math.min(a, b), hi = Math.max(a, b);
        const arrow = el('div', 'seq-arrow ' + (b > a ? 'ltr' : 'rtl'));
        arrow.style.gridColumn = lo + ' / ' + (hi + 1);
        arrow.style.setProperty('--span', String(hi - lo + 1));
        arrow.append(el('span', 'seq-label', it.label), el('span', 'seq-line'));
        r.appendChild(arrow);
      }
      r.addEventListener('click', () => { select(it.key, true); activate(); });
      return r;
    }

    /** @param {SeqDoc} d */
    function render(d) {
      doc = d;
      title.textContent = d.header;
      sub.textContent = d.subtitle || '';
      note.textContent = d.note || '';
      note.hidden = !d.note;
      const n = d.lanes.length;
      root.style.setProperty('--lanes', String(n));
      const col = colOf(d.lanes);
      const frag = document.createDocumentFragment();
      const lanes = el('div', 'seq-lanes');
      lanes.appendChild(el('div', 'seq-num', ''));
      d.lanes.forEach((l, i) => { const h = el('div', 'seq-lane-head ' + l.kind, l.label); h.title = l.title; h.style.gridColumn = String(i + 2); lanes.appendChild(h); });
      frag.appendChild(lanes);
      const cur = new Set(d.current || []), ahead = new Set(d.ahead || []);
      rows = [];
      byKey = new Map();
      for (const it of d.items) {
        const r = row(it, col, n);
        if (cur.has(it.key)) r.classList.add('current');
        if (ahead.has(it.key)) r.classList.add('ahead');
        rows.push(r);
        byKey.set(it.key, { r, it });
        frag.appendChild(r);
      }
      if (!d.items.length) frag.appendChild(el('div', 'seq-empty', d.mode === 'debug' ? 'No model events yet: step the debugger.' : 'No guest I/O in this trace.'));
      scroll.textContent = '';
      scroll.appendChild(frag);
      // The current stop wins; otherwise the selection survives a re-render when its item is still there.
      const first = (d.current || []).find((k) => byKey.has(k));
      if (first) select(first, false, true);
      else if (selected && byKey.has(selected)) select(selected, false);
      else { selected = null; detail.textContent = d.items.length ? 'Click an item (or use the arrow keys) to see it whole.' : ''; }
    }

    /** @param {string} key @param {boolean} [fromUser] @param {boolean} [center] */
    function select(key, fromUser, center) {
      const x = byKey.get(key);
      if (!x) return;
      for (const r of scroll.querySelectorAll('.seq-row.selected, .seq-row.group')) { r.classList.remove('selected', 'group'); r.removeAttribute('aria-selected'); }
      x.r.classList.add('selected');
      x.r.setAttribute('aria-selected', 'true');
      // The other items of the same group (a trace I/O's exit, request, answer, VMENTRY) are marked with it.
      if (x.it.ref >= 0) for (const y of byKey.values()) if (y.it.ref === x.it.ref && y.r !== x.r) y.r.classList.add('group');
      selected = key;
      scroll.setAttribute('aria-activedescendant', x.r.id);
      detail.textContent = x.it.title;
      x.r.scrollIntoView({ block: center ? 'center' : 'nearest' });
      if (fromUser) scroll.focus({ preventScroll: true });
    }

    function activate() {
      const x = selected && byKey.get(selected);
      if (x && opts && opts.onActivate) opts.onActivate(x.it);
    }

    scroll.addEventListener('keydown', (ev) => {
      if (!rows.length) return;
      let i = selected ? rows.indexOf(byKey.get(selected)?.r) : -1;
      const page = Math.max(1, Math.floor(scroll.clientHeight / 24) - 1);
      if (ev.key === 'ArrowDown') i = i < 0 ? 0 : Math.min(rows.length - 1, i + 1);
      else if (ev.key === 'ArrowUp') i = i < 0 ? rows.length - 1 : Math.max(0, i - 1);
      else if (ev.key === 'PageDown') i = Math.min(rows.length - 1, Math.max(0, i) + page);
      else if (ev.key === 'PageUp') i = Math.max(0, (i < 0 ? rows.length : i) - page);
      else if (ev.key === 'Home') i = 0;
      else if (ev.key === 'End') i = rows.length - 1;
      else if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); activate(); return; }
      else return;
      ev.preventDefault();
      select(rows[i].dataset.key, true);
    });

    return { render, select: (k) => select(k, false), get doc() { return doc; } };
  }

  window.IoreqSequence = { create };
})();
