// The debug session's Sequence view: draws what the extension posts with the shared renderer (media/sequence.js);
// a click or Enter on an event asks the extension to travel there.
(function () {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('sequence');
  let diagram = null;
  window.addEventListener('message', (m) => {
    const d = m.data;
    if (d.type !== 'sequence') return;
    if (!diagram) { root.textContent = ''; diagram = window.IoreqSequence.create(root, { onActivate: (it) => vscode.postMessage({ type: 'activate', key: it.key, ref: it.ref }) }); }
    diagram.render(d.doc);
  });
  // Messages posted before this script ran are lost: ask for the content once listening.
  vscode.postMessage({ type: 'ready' });
})();
