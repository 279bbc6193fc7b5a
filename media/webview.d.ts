// What a webview script has beside the DOM: VS Code's acquireVsCodeApi (typed per script with JSDoc, from
// src/common/messages.ts's WebviewApi), and the sequence diagram's renderer that media/sequence.js puts on `window`
// for sequenceView.js and trace.js.
declare function acquireVsCodeApi(): import('../src/common/messages').WebviewApi<any>;

/** A diagram made by IoreqSequence.create: draws a document, selects an item by key. */
interface IoreqSequenceDiagram {
  render(doc: import('../src/trace/sequence').SeqDoc): void;
  select(key: string): void;
  readonly doc: import('../src/trace/sequence').SeqDoc | null;
}
interface IoreqSequenceOptions {
  /** A click or Enter on an item. */
  onActivate?(item: import('../src/trace/sequence').SeqItem): void;
}
interface Window {
  IoreqSequence: { create(root: HTMLElement, opts?: IoreqSequenceOptions): IoreqSequenceDiagram };
}
