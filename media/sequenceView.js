// The debug session's Sequence view: draws what the extension posts with the shared renderer (media/sequence.js);
// a click or Enter on an event asks the extension to travel there.
// The messages are typed in src/common/messages.ts (checked by tsc -p media).
// @ts-check
(function () {
  /** @typedef {import('../src/common/messages').SequenceToView} ToView */
  /** @typedef {import('../src/common/messages').SequenceFromView} FromView */
  /** @type {import('../src/common/messages').WebviewApi<FromView>} */
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('sequence');
  /** @type {IoreqSequenceDiagram | null} */
  let diagram = null;
  window.addEventListener('message', (/** @type {MessageEvent<ToView>} */ m) => {
    const d = m.data;
    if (d.type !== 'sequence') return;
    if (!diagram) {
      root.textContent = '';
      diagram = window.IoreqSequence.create(root, {
        onActivate: (it) => {
          /** @type {FromView} */
          const a = { type: 'activate', key: it.key, ref: it.ref };
          vscode.postMessage(a);
        },
      });
    }
    diagram.render(d.doc);
  });
  // Messages posted before this script ran are lost: ask for the content once listening.
  vscode.postMessage({ type: 'ready' });
})();
