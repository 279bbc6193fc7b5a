// Webview script of the layout view: draws the layouts the extension posts.
// The messages are typed in src/common/messages.ts (checked by tsc -p media).
// @ts-check
(function () {
  /** @typedef {import('../src/common/messages').LayoutToView} ToView */
  /** @typedef {import('../src/common/messages').LayoutFromView} FromView */
  /** @typedef {import('../src/common/messages').LayoutColumn} Column */
  /** @type {import('../src/common/messages').WebviewApi<FromView>} */
  const vscode = acquireVsCodeApi();
  const layouts = document.getElementById('layouts');
  /** @param {number} n */
  const hex = (n) => '0x' + n.toString(16);
  /** @param {string} tag @param {string} [cls] @param {string} [text] */
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

  /** @param {Column[]} list */
  function drawLayouts(list) {
    layouts.textContent = '';
    for (const l of list) {
      const col = el('div', 'column');
      col.setAttribute('role', 'list');
      col.setAttribute('aria-label', l.profile + ' layout');
      col.appendChild(el('h2', '', l.profile + ': reserved_mem_pgstart ' + hex(l.reserved)));
      col.appendChild(el('div', 'expansion', l.expansion));
      const pages = l.pages.slice().sort((a, b) => b.pfn - a.pfn);
      let lineDrawn = false;
      for (const p of pages) {
        if (!lineDrawn && p.pfn < l.reserved) {
          const line = el('div', 'reserved-line'); line.appendChild(el('span', '', 'reserved_mem_pgstart ' + hex(l.reserved))); col.appendChild(line); lineDrawn = true;
        }
        const row = el('div', 'page' + (p.inside ? '' : ' outside'));
        row.tabIndex = 0;
        row.setAttribute('role', 'listitem');
        row.setAttribute('aria-label', p.name + ' at ' + hex(p.pfn) + (p.inside ? ', inside the reserved region' : ', outside the reserved region'));
        row.append(el('span', '', hex(p.pfn)), el('span', '', p.name + (p.name === 'IOREQ_SERVER' ? ' ' + p.index : '')), el('span', 'flag', p.inside ? '' : '⚠'));
        col.appendChild(row);
      }
      if (!lineDrawn) { const line = el('div', 'reserved-line'); line.appendChild(el('span', '', 'reserved_mem_pgstart ' + hex(l.reserved))); col.appendChild(line); }
      layouts.appendChild(col);
    }
  }

  layouts.addEventListener('keydown', (ev) => {
    /** @type {HTMLElement[]} */
    const rows = Array.from(layouts.querySelectorAll('.page'));
    let i = rows.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (i < 0) return;
    if (ev.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1); else if (ev.key === 'ArrowUp') i = Math.max(0, i - 1); else return;
    ev.preventDefault();
    rows[i].focus();
  });

  window.addEventListener('message', (/** @type {MessageEvent<ToView>} */ m) => {
    const d = m.data;
    if (d.type === 'layouts') drawLayouts(d.layouts);
  });
  // Messages posted before this script ran are lost: ask the extension for the content once listening.
  vscode.postMessage({ type: 'ready' });
})();
