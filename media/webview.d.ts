// What a webview script has beside the DOM: VS Code's acquireVsCodeApi (typed per script with JSDoc, from
// src/common/messages.ts's WebviewApi).
declare function acquireVsCodeApi(): import('../src/common/messages').WebviewApi<any>;
