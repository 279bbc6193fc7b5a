// The shapes of a parsed scenario: its steps, actors and expectations. A leaf module (types only), so the parser,
// the table of operations and the runner can all name them without importing each other.
import type { ProfileName } from '../model/layout';
import type { Loc } from './errors';
import type { DmKind } from '../model/dm';
import type { FixId } from '../model/fixes';

export type ActorKind = 'toolstack' | 'dm' | 'vcpu';

/** An expectation, as written (see the schema's definitions.expectation). */
export type Expectation =
  | { path: string; equals?: unknown; notEquals?: unknown; exists?: boolean; loc: Loc }
  | { event: string; fn?: string; domid?: number; count?: number; text?: string; loc: Loc }
  | { crash: number; reason?: string; loc: Loc }
  | { noCrash: number; loc: Loc }
  | { console: string; match?: 'substring' | 'exact' | 'regex'; count?: number; absent?: boolean; loc: Loc }
  | { events: Array<{ event: string; fn?: string; domid?: number; text?: string }>; loc: Loc }
  | { panic: boolean | string; loc: Loc }
  | { bug: 'use-after-free'; absent?: boolean; loc: Loc };

export interface Step {
  /** Position in the file's step list, from 0. */
  index: number;
  op: string;
  actor: string;
  actorKind: ActorKind;
  /** For a vcpu actor: its domain and vcpu id. */
  domid?: number;
  vcpu?: number;
  /** The step's fields other than op/actor/expect/after/note, numbers parsed (hex strings become bigint when large). */
  args: Record<string, unknown>;
  expect?: { rc?: number; value?: bigint; valuePath?: string };
  after: Expectation[];
  /** The step is enabled only while this holds. */
  when?: Expectation;
  note?: string;
  loc: Loc;
  /** The step's JSON text, for counterexample files. */
  raw: Record<string, unknown>;
}

export interface DeviceModelDecl {
  name: string; domid: number; target: number; maxCpus?: number;
  /** 4.21: whose code it runs, and whether its kernel lacks resource mapping (privcmd: EOPNOTSUPP). */
  kind: DmKind; resourceUnsupported: boolean;
  loc: Loc;
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  profile: ProfileName;
  deviceModels: DeviceModelDecl[];
  steps: Step[];
  expect: Expectation[];
  allow: Set<string>;
  /** The document as parsed (comments dropped), for counterexamples. */
  doc: Record<string, unknown>;
  /** Fixes the run undoes (the bug zoo; empty for the fixed form). */
  revert: FixId[];
  /** What is legal but likely not meant (an HVM param index past HVM_NR_PARAMS), with where: the editor's warnings. */
  warnings: ScenarioWarning[];
}

export interface ScenarioWarning { loc: Loc; message: string }

/** What the explorer checks, by name (explore.ts says what each means). */
export const VIOLATION_KINDS = ['impossible-slot-state', 'lost-request', 'port-bound-to-destroyed-server', 'page-mapped-twice',
  'vcpu-blocked-forever', 'deadlock', 'panic', 'use-after-free', 'expectation',
  'request-to-several-servers', 'request-outside-range', 'request-to-disabled-server', 'emulator-gone', 'memory-leak', 'vcpu-wedged',
  'buffered-entry-overwritten', 'stale-request',
  'completed-while-pending', 'restart-after-send', 'xen-livelock'] as const;
export type ViolationKind = typeof VIOLATION_KINDS[number];
/** The kinds a scenario may list in explore.allow (it shows them on purpose); a defect of the model never is. */
export const ALLOWABLE_VIOLATIONS: readonly ViolationKind[] = VIOLATION_KINDS.filter((k) => k !== 'use-after-free' && k !== 'expectation');
