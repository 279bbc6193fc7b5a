// Typed model events: every transition of the model emits one, so views, the trace and the debugger can follow it.

export type Actor = 'toolstack' | 'xen' | `vcpu${number}` | `dm${number}`;

export type EventKind =
  | 'domain_create' | 'domain_destroy' | 'domain_pause' | 'domain_unpause' | 'domain_crash' | 'domain_dying'
  | 'vcpu_initialise' | 'vcpu_destroy' | 'vcpu_block' | 'vcpu_wake'
  | 'param_set' | 'param_get' | 'hypercall'
  | 'page_populate' | 'page_remove' | 'page_map' | 'page_unmap' | 'foreign_map' | 'foreign_unmap' | 'memory_write'
  | 'server_create' | 'server_destroy' | 'server_domid'
  | 'evtchn_alloc' | 'evtchn_bind' | 'evtchn_close' | 'evtchn_notify' | 'evtchn_pending' | 'evtchn_clear'
  | 'slot_state' | 'slot_write' | 'ioreq_send' | 'io_assist' | 'io_complete' | 'io_dropped'
  | 'buffered_write' | 'buffered_full' | 'buffered_consume'
  | 'dm_handle' | 'printk'
  // issue 10 (today's Xen)
  | 'server_enable' | 'server_disable' | 'range_map' | 'range_unmap' | 'resource_acquire' | 'dm_op' | 'cf8_latch' | 'ioreq_complete'
  // 4.5's several ioreq servers (src/model/xen/4.5/hvm.ts)
  | 'server_state' | 'io_range'
  // issue 11: shutdown, stdvga, paging, the device model's own steps
  | 'domain_shutdown' | 'vcpu_shutdown' | 'stdvga' | 'p2m_paging' | 'dm_take' | 'dm_answer' | 'dm_destroy_domain' | 'libxc_dprintf' | 'io_internal';

export interface ModelEvent {
  /** Position in the event list, from 0. */
  seq: number;
  /** Who was running when it happened. */
  actor: string;
  kind: EventKind;
  /** The Xen (or libxc / device-model) function that made the transition. */
  fn: string;
  /** The domain it concerns, when one. */
  domid?: number;
  vcpu?: number;
  before?: unknown;
  after?: unknown;
  /** Further facts, JSON-safe. */
  detail?: Record<string, unknown>;
  /** One human line. */
  text: string;
}

export type EventInput = Omit<ModelEvent, 'seq' | 'actor'>;
