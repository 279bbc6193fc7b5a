// HVM parameter indices, from xen/include/public/hvm/params.h (Xen 4.4; 4.5 adds 32-34).
export const HVM_PARAM_CALLBACK_IRQ = 0;
export const HVM_PARAM_STORE_PFN = 1;
export const HVM_PARAM_STORE_EVTCHN = 2;
export const HVM_PARAM_PAE_ENABLED = 4;
export const HVM_PARAM_IOREQ_PFN = 5;
export const HVM_PARAM_BUFIOREQ_PFN = 6;
export const HVM_PARAM_VIRIDIAN = 9;
export const HVM_PARAM_TIMER_MODE = 10;
export const HVM_PARAM_HPET_ENABLED = 11;
export const HVM_PARAM_IDENT_PT = 12;
export const HVM_PARAM_DM_DOMAIN = 13;
export const HVM_PARAM_ACPI_S_STATE = 14;
export const HVM_PARAM_VM86_TSS = 15;
export const HVM_PARAM_VPT_ALIGN = 16;
export const HVM_PARAM_CONSOLE_PFN = 17;
export const HVM_PARAM_CONSOLE_EVTCHN = 18;
export const HVM_PARAM_ACPI_IOPORTS_LOCATION = 19;
export const HVM_PARAM_MEMORY_EVENT_CR0 = 20;
export const HVM_PARAM_MEMORY_EVENT_CR3 = 21;
export const HVM_PARAM_MEMORY_EVENT_CR4 = 22;
export const HVM_PARAM_MEMORY_EVENT_INT3 = 23;
export const HVM_PARAM_NESTEDHVM = 24;
export const HVM_PARAM_MEMORY_EVENT_SINGLE_STEP = 25;
export const HVM_PARAM_BUFIOREQ_EVTCHN = 26;
export const HVM_PARAM_PAGING_RING_PFN = 27;
export const HVM_PARAM_ACCESS_RING_PFN = 28;
export const HVM_PARAM_SHARING_RING_PFN = 29;
export const HVM_PARAM_MEMORY_EVENT_MSR = 30;
export const HVM_PARAM_TRIPLE_FAULT_REASON = 31;
export const HVM_PARAM_IOREQ_SERVER_PFN = 32; // 4.5
export const HVM_PARAM_NR_IOREQ_SERVER_PAGES = 33; // 4.5
export const HVM_PARAM_VM_GENERATION_ID_ADDR = 34; // 4.5

/** HVM_NR_PARAMS: 32 in 4.4 and the seed's tree, 35 in 4.5. */
export const HVM_NR_PARAMS_44 = 32;
export const HVM_NR_PARAMS_45 = 35;

// ---- issue 10 (today's Xen): RELEASE-4.21.0 public/hvm/params.h ----
/** 28 is HVM_PARAM_MONITOR_RING_PFN today (params.h:236), the old ACCESS_RING_PFN slot. */
export const HVM_PARAM_MONITOR_RING_PFN = 28;
export const HVM_PARAM_ALTP2M = 35; // params.h:255
export const HVM_PARAM_X87_FIP_WIDTH = 36; // params.h:281
export const HVM_PARAM_VM86_TSS_SIZED = 37; // params.h:287
export const HVM_PARAM_MCA_CAP = 38; // params.h:290
/** HVM_NR_PARAMS 39 (params.h:294), on x86 and Arm alike. */
export const HVM_NR_PARAMS_421 = 39;
/** Today's names where they differ from 4.4's, and the params 4.4 lacks. */
export const PARAM_NAMES_421: Readonly<Record<number, string>> = {
  28: 'MONITOR_RING_PFN', 35: 'ALTP2M', 36: 'X87_FIP_WIDTH', 37: 'VM86_TSS_SIZED', 38: 'MCA_CAP',
};
/** A param's name (no HVM_PARAM_ prefix) in a profile's tree. */
export function paramNameOf(profile: string, index: number): string | undefined {
  if (profile === '4.21' || profile === '4.21-arm') return PARAM_NAMES_421[index] ?? PARAM_NAMES[index];
  return PARAM_NAMES[index];
}
// ---- end 4.21 ----

/** HVM_NR_PARAMS of a profile's tree. */
export function nrParamsOf(profile: string): number {
  if (profile === '4.21' || profile === '4.21-arm') return HVM_NR_PARAMS_421;
  return profile === '4.5' ? HVM_NR_PARAMS_45 : HVM_NR_PARAMS_44;
}

/** Names without the HVM_PARAM_ prefix, by index. Index 3, 7 and 8 are unused in 4.4. */
export const PARAM_NAMES: Readonly<Record<number, string>> = {
  0: 'CALLBACK_IRQ', 1: 'STORE_PFN', 2: 'STORE_EVTCHN', 4: 'PAE_ENABLED', 5: 'IOREQ_PFN', 6: 'BUFIOREQ_PFN',
  9: 'VIRIDIAN', 10: 'TIMER_MODE', 11: 'HPET_ENABLED', 12: 'IDENT_PT', 13: 'DM_DOMAIN', 14: 'ACPI_S_STATE',
  15: 'VM86_TSS', 16: 'VPT_ALIGN', 17: 'CONSOLE_PFN', 18: 'CONSOLE_EVTCHN', 19: 'ACPI_IOPORTS_LOCATION',
  20: 'MEMORY_EVENT_CR0', 21: 'MEMORY_EVENT_CR3', 22: 'MEMORY_EVENT_CR4', 23: 'MEMORY_EVENT_INT3',
  24: 'NESTEDHVM', 25: 'MEMORY_EVENT_SINGLE_STEP', 26: 'BUFIOREQ_EVTCHN', 27: 'PAGING_RING_PFN',
  28: 'ACCESS_RING_PFN', 29: 'SHARING_RING_PFN', 30: 'MEMORY_EVENT_MSR', 31: 'TRIPLE_FAULT_REASON',
  32: 'IOREQ_SERVER_PFN', 33: 'NR_IOREQ_SERVER_PAGES', 34: 'VM_GENERATION_ID_ADDR',
};

/** Params whose value is a pfn, shown in hex. IDENT_PT holds a byte address, also hex. */
export const PFN_PARAMS: ReadonlySet<number> = new Set([1, 5, 6, 12, 17, 27, 28, 29, 32]);

/** Looks a param up by name ("IOREQ_PFN" or "HVM_PARAM_IOREQ_PFN") or number; undefined if unknown. */
export function paramIndex(nameOrIndex: string | number, nrParams: number): number | undefined {
  if (typeof nameOrIndex === 'number') return Number.isInteger(nameOrIndex) && nameOrIndex >= 0 && nameOrIndex < nrParams ? nameOrIndex : undefined;
  const n = nameOrIndex.replace(/^HVM_PARAM_/, '');
  if (nrParams === HVM_NR_PARAMS_421) for (const [k, v] of Object.entries(PARAM_NAMES_421)) if (v === n) return Number(k); // 4.21
  for (const [k, v] of Object.entries(PARAM_NAMES)) if (v === n && Number(k) < nrParams) return Number(k);
  if (/^\d+$/.test(n) && Number(n) < nrParams) return Number(n);
  return undefined;
}
