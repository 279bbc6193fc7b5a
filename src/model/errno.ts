// Xen's errno values as returned by hypercalls (xen/include/public/errno.h; the x86 values equal Linux's).
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EFAULT = 14;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOSYS = 38;
export const ENODATA = 61; // 4.21 alloc_mfn
export const EOPNOTSUPP = 95; // 4.21 DMOPs, Arm hooks

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM', [ENOENT]: 'ENOENT', [ESRCH]: 'ESRCH', [EAGAIN]: 'EAGAIN', [EFAULT]: 'EFAULT', [ENOMEM]: 'ENOMEM', [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST', [EINVAL]: 'EINVAL', [ENOSPC]: 'ENOSPC', [ENOSYS]: 'ENOSYS',
  [ENODATA]: 'ENODATA', [EOPNOTSUPP]: 'EOPNOTSUPP',
};

/** glibc's strerror texts for the values above, for messages a device model prints with perror(). */
const STRERROR: Record<number, string> = {
  [EPERM]: 'Operation not permitted', [ENOENT]: 'No such file or directory', [ESRCH]: 'No such process',
  [EAGAIN]: 'Resource temporarily unavailable', [EFAULT]: 'Bad address', [ENOMEM]: 'Cannot allocate memory',
  [EBUSY]: 'Device or resource busy', [EEXIST]: 'File exists', [EINVAL]: 'Invalid argument',
  [ENOSPC]: 'No space left on device', [ENOSYS]: 'Function not implemented', [ENODATA]: 'No data available',
  [EOPNOTSUPP]: 'Operation not supported',
};

/** strerror(e) as glibc words it ("Unknown error N" otherwise). */
export function strerror(e: number): string {
  return STRERROR[e] ?? `Unknown error ${e}`;
}

/** Renders a hypercall return value the way a Xen developer reads it: 0, or -EEXIST. */
export function rcName(rc: number): string {
  if (rc >= 0) return String(rc);
  const n = NAMES[-rc];
  return n ? `-${n}` : String(rc);
}

/** Parses "-EEXIST", "EEXIST", "-17" or "0" into a return value; undefined when not a known form. */
export function parseRc(s: string): number | undefined {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  const name = t.replace(/^-/, '');
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return -Number(k);
  return undefined;
}
