// The messages IOREQ Scope's parts exchange, typed once for both sides: the debug adapter's custom DAP events and
// requests (src/debug/session.ts answers and sends them, src/extension asks and listens), and the webview messages
// of the memory, sequence, layout and trace panels (src/extension posts and receives them, media/*.js, checked by
// tsc through media/tsconfig.json with JSDoc `import()` types, does the other side). No `vscode` and no DAP library
// here: every layer may import it.
import type { ModelEvent } from '../model/events';
import type { SeqDoc, TraceGap, TraceIo } from '../trace/sequence';
import type { Summary } from '../trace/timeline';

// ---- DAP: custom events (adapter -> client) ----

/** `ioreqScope.state`: sent after each stopped event, where the session stands and the model events since the last stop. */
export interface StateEventBody {
  /** Statements executed since the start (the time-travel position). */
  t: number;
  step: number;
  stmt: number;
  actor: string;
  reason: string;
  events: ModelEvent[];
  eventCount: number;
  returned: boolean;
}

/** The custom events by name. */
export interface CustomEvents {
  'ioreqScope.state': StateEventBody;
}
export const STATE_EVENT = 'ioreqScope.state' satisfies keyof CustomEvents;

// ---- DAP: custom requests (client -> adapter) ----

/** A byte range of a special page watched for writes (a `mem:` data breakpoint the session keeps). */
export interface WatchedRange {
  id: number;
  memoryReference: string;
  offset: number;
  count: number;
  description: string;
}

/** Each custom request's arguments and response body. */
export interface CustomRequests {
  /** Where a modelled function is in the user's Xen tree (launch's xenTree), or null. */
  xenSourceLocation: { args: { fn: string }; body: { path: string; line: number } | null };
  /** Time travel to an absolute position (statements since the start). */
  ioreqScopeGoto: { args: { t: number }; body: undefined };
  /** Time travel to the stop right after model event `seq` happened (the sequence diagram's click). */
  ioreqScopeGotoEvent: { args: { seq: number }; body: undefined };
  /** Where the session stands, or null before the launch. */
  ioreqScopeState: { args: Record<string, never>; body: { t: number; step: number; ended: boolean } | null };
  /**
   * Watch bytes of a special page (the memory view's "Watch these bytes"): a data breakpoint on writes, kept by the
   * session beside the client's own data breakpoints. The body is every range watched now.
   */
  ioreqScopeWatch: { args: { memoryReference: string; offset: number; count: number }; body: { added: WatchedRange; watches: WatchedRange[] } };
  /** Stop watching a range (by id); the body is every range still watched. */
  ioreqScopeUnwatch: { args: { id: number }; body: { watches: WatchedRange[] } };
  /** The ranges watched now. */
  ioreqScopeWatches: { args: Record<string, never>; body: { watches: WatchedRange[] } };
}
export type CustomRequest = keyof CustomRequests;
export const CUSTOM_REQUESTS: readonly CustomRequest[] = ['xenSourceLocation', 'ioreqScopeGoto', 'ioreqScopeGotoEvent', 'ioreqScopeState', 'ioreqScopeWatch', 'ioreqScopeUnwatch', 'ioreqScopeWatches'];
export const isCustomRequest = (c: string): c is CustomRequest => (CUSTOM_REQUESTS as readonly string[]).includes(c);

/** Something that sends DAP custom requests (vscode.DebugSession's customRequest has this shape). */
export interface CustomRequester { customRequest(command: string, args?: unknown): PromiseLike<unknown> }

/** A typed custom request. */
export function request<C extends CustomRequest>(s: CustomRequester, command: C, args: CustomRequests[C]['args']): Promise<CustomRequests[C]['body']> {
  return Promise.resolve(s.customRequest(command, args)) as Promise<CustomRequests[C]['body']>;
}

// ---- webviews ----

/** A field laid over a page's bytes. */
export interface PageField {
  name: string;
  offset: number;
  size: number;
  /** As a Xen developer reads it: hex addresses, state names, pointers as numbers. */
  value: string;
}

/** A special page as the memory view shows it (src/debug/pageview.ts makes them). */
export interface PageView {
  memoryReference: string;
  domid: number;
  pfn: number;
  /** The page's use (IOREQ, BUFIOREQ, XENSTORE, …). */
  name: string;
  kind: 'ioreq' | 'bufioreq' | 'other';
  bytes: number[];
  fields: PageField[];
  /** Offsets of the bytes that differ from the previous view of the same page. */
  changed: number[];
}


/** What acquireVsCodeApi() gives a webview script that posts `Out`. */
export interface WebviewApi<Out> { postMessage(m: Out): void; getState(): unknown; setState(s: unknown): void }

/** A page as the memory view receives it: its bytes as a hex string. */
export type PageMessage = Omit<PageView, 'bytes'> & { bytes: string };

/** Memory view: extension -> webview. */
export type MemoryToView =
  | { type: 'pages'; pages: PageMessage[]; focus?: string; session: string; watches: WatchedRange[] };
/** Memory view: webview -> extension. */
export type MemoryFromView =
  | { type: 'ready' }
  | { type: 'focus'; ref: string }
  | { type: 'write'; ref: string; offset: number; value: number }
  | { type: 'watch'; ref: string; offset: number; count: number }
  | { type: 'unwatch'; id: number };

/** Sequence view: extension -> webview. */
export type SequenceToView = { type: 'sequence'; doc: SeqDoc };
/** Sequence view: webview -> extension (a click or Enter on an event). */
export type SequenceFromView = { type: 'ready' } | { type: 'activate'; key: string; ref: number };

/** One profile's column of the layout view. */
export interface LayoutColumn {
  profile: string;
  reserved: number;
  expansion: string;
  pages: Array<{ name: string; index: number; pfn: number; inside: boolean; e820: boolean }>;
}
/** Layout view: extension -> webview. */
export type LayoutToView = { type: 'layouts'; layouts: LayoutColumn[] };
/** Layout view: webview -> extension. */
export type LayoutFromView = { type: 'ready' };

/** A row of the IO address summary as the command line's --json gives it: src/trace/timeline.ts's decorated Summary row,
 *  with the address as a hex string. */
export type TraceSummaryRow = Omit<Summary['rows'][number], 'addr'> & { addr: string };

/** What the trace view shows of an import (the command line's --json, cut to what is drawn). */
export interface TraceViewData {
  files: string[];
  summaryOnly: boolean;
  ios: TraceIo[];
  iosTotal: number;
  gaps?: TraceGap[];
  summary: { rows: TraceSummaryRow[] };
  matched?: number;
  dmRequests?: number;
  errors?: string[];
  fileStats?: Array<{ name: string; format: string }>;
  sequence: SeqDoc | null;
}
/** Trace view: extension -> webview. */
export type TraceToView =
  | { type: 'trace'; data: TraceViewData }
  | { type: 'check'; disagreements: Array<{ place: string; what: string }>; cancelled: boolean };
/** The trace view's buttons. */
export type TraceAction = 'scenario' | 'check' | 'debug';
/** Trace view: webview -> extension. */
export type TraceFromView = { type: 'ready' } | { type: TraceAction };
/** The actions, for the extension's check of what a webview (or a command's caller) sent. */
export const TRACE_ACTIONS: readonly TraceAction[] = ['scenario', 'check', 'debug'];
export const isTraceAction = (t: unknown): t is TraceAction => (TRACE_ACTIONS as readonly unknown[]).includes(t);
