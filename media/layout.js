// Webview script of the layout view: draws the layouts and the sequence of events the extension posts.
(function () {
  const layouts = document.getElementById('layouts');
  const seq = document.getElementById('sequence');
  const hint = document.getElementById('seqhint');
  const hex = (n) => '0x' + n.toString(16);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

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

  let headDrawn = false;
  function lane(e) {
    if (/^vcpu/.test(e.actor)) return e.kind === 'printk' || /^(hvm_|prepare_|wait_|default_xen|notify_|alloc_|free_|evtchn_|domain_)/.test(e.fn) ? 1 : 0;
    if (/^dm|^qemu/.test(e.actor) || /^(cpu_|handle_|xc_map|dm_)/.test(e.fn)) return /^(cpu_|handle_|xc_map|dm_)/.test(e.fn) ? 2 : 1;
    return 1;
  }
  function addEvents(list, reset) {
    if (reset) { seq.textContent = ''; headDrawn = false; }
    if (!headDrawn) { seq.append(el('div', 'lane-head', 'vcpu (guest side)'), el('div', 'lane-head', 'Xen'), el('div', 'lane-head', 'device model')); headDrawn = true; }
    if (list.length) hint.textContent = 'Newest at the bottom. Arrow keys move between events.';
    for (const old of seq.querySelectorAll('.event.latest')) old.classList.remove('latest');
    for (const e of list) {
      const row = el('div', 'event latest' + (e.kind === 'domain_crash' ? ' crash' : ''));
      row.tabIndex = -1;
      row.setAttribute('aria-label', e.actor + ': ' + e.text);
      const at = lane(e);
      for (let i = 0; i < 3; i++) {
        const c = el('div', 'cell');
        if (i === at) { c.append(el('span', 'mark', (at === 0 ? '→ ' : at === 2 ? '← ' : '• ')), document.createTextNode(e.fn + ': ' + e.text)); c.title = '[' + e.actor + '] ' + e.fn + ': ' + e.text; }
        row.appendChild(c);
      }
      seq.appendChild(row);
    }
    while (seq.querySelectorAll('.event').length > 2000) seq.querySelector('.event').remove();
    seq.scrollTop = seq.scrollHeight;
  }

  seq.addEventListener('keydown', (ev) => {
    const rows = Array.from(seq.querySelectorAll('.event'));
    if (!rows.length) return;
    let i = rows.indexOf(document.activeElement);
    if (ev.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1);
    else if (ev.key === 'ArrowUp') i = Math.max(0, i < 0 ? rows.length - 1 : i - 1);
    else if (ev.key === 'Home') i = 0;
    else if (ev.key === 'End') i = rows.length - 1;
    else return;
    ev.preventDefault();
    rows[i].focus();
  });
  layouts.addEventListener('keydown', (ev) => {
    const rows = Array.from(layouts.querySelectorAll('.page'));
    let i = rows.indexOf(document.activeElement);
    if (i < 0) return;
    if (ev.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1); else if (ev.key === 'ArrowUp') i = Math.max(0, i - 1); else return;
    ev.preventDefault();
    rows[i].focus();
  });

  window.addEventListener('message', (m) => {
    const d = m.data;
    if (d.type === 'layouts') drawLayouts(d.layouts);
    if (d.type === 'events') addEvents(d.events || [], !!d.reset);
  });
  addEvents([], true);
  // Messages posted before this script ran are lost: ask the extension for the content once listening.
  acquireVsCodeApi().postMessage({ type: 'ready' });
})();
