// A live host's snapshot as indented text lines: the same model the extension's tree shows (Xen, domains with their
// device model, its event channels, the event channels and params; device models; console lines), for the command
// line's `host snapshot` and `host watch`. No vscode import.
import { deviceModelPorts, type Evtchn, type HostSnapshot, type Section } from './parse';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** " [kept from <time>; this refresh failed: ...]" for a section kept from an earlier snapshot. */
function stale(s: Section<unknown>): string {
  return s.ok && s.staleSince !== undefined ? `  [kept from ${iso(s.staleSince)}; this refresh failed: ${s.refreshError ?? '?'}]` : '';
}

function port(e: Evtchn): string {
  const remote = e.remoteDomain !== undefined ? ` -> d${e.remoteDomain}${e.remotePort !== undefined ? `:${e.remotePort}` : ''}` : '';
  const irq = e.irq !== undefined ? ` ${e.irq}` : '';
  return `port ${e.port} ${e.kind}${irq}${remote}, vcpu ${e.vcpu}`;
}

/** The snapshot as lines; `withTime` false leaves out what changes on every refresh (for watch's diff). */
export function summaryLines(s: HostSnapshot, alias: string, withTime = true): string[] {
  const out: string[] = [];
  const h = s.host;
  out.push(`${alias}${h.hostname ? ` (${h.hostname}${h.user ? `, user ${h.user}` : ''})` : ''}${withTime ? ` at ${iso(s.takenAt)}` : ''}`);
  if (s.banner) out.push(`  (the login shell printed text before the helper's document; skipped: ${JSON.stringify(s.banner.slice(0, 80))})`);
  out.push(s.xen.ok ? `  Xen ${s.xen.value.version}${stale(s.xen)}` : `  Xen: ERROR ${s.xen.error}`);
  if (!s.domains.ok) out.push(`  domains: ERROR ${s.domains.error}`);
  else {
    out.push(`  domains: ${s.domains.value.length}${stale(s.domains)}${s.domains.note ? `  (${s.domains.note})` : ''}`);
    for (const d of s.domains.value) {
      const st = d.state ? `, ${d.state}${d.shutdownReason ? ` (shut down: ${d.shutdownReason})` : ''}` : '';
      out.push(`    d${d.domid} ${d.name}: ${d.type}, ${d.vcpus} vcpu(s), ${d.memMb} MiB${st}`);
      const dm = s.deviceModels.ok ? s.deviceModels.value.find((x) => x.target === d.domid) : undefined;
      if (dm) {
        out.push(`      device model: ${dm.kind}${dm.pid !== undefined ? ` pid ${dm.pid}` : ''}${dm.domain !== undefined ? ` in d${dm.domain}` : ''}${dm.state ? `, state ${dm.state}` : ''}`);
        const ports = deviceModelPorts(s, d.domid);
        if (ports.length) out.push(`        its event channels (to d${dm.domain ?? 0}, other than store and console): ${ports.map((p) => p.port).join(', ')}`);
      }
      const ev = s.evtchns.ok ? s.evtchns.value.find((e) => e.domid === d.domid) : undefined;
      if (ev?.error) out.push(`      event channels: ERROR ${ev.error}`);
      else if (ev) {
        out.push(`      event channels: ${ev.ports.length}`);
        for (const p of ev.ports.slice(0, 4096)) out.push(`        ${port(p)}`);
      }
      const pr = s.params.ok ? s.params.value.find((p) => p.domid === d.domid) : undefined;
      if (pr?.error) out.push(`      params: ERROR ${pr.error}`);
      else if (pr) for (const [k, v] of Object.entries(pr.params)) out.push(`      ${k} ${/PFN/.test(k) ? `0x${v.toString(16)}` : v} (from ${pr.source})`);
    }
  }
  if (!s.evtchns.ok) out.push(`  event channels: ERROR ${s.evtchns.error}`);
  else if (s.evtchns.staleSince !== undefined) out.push(`  event channels${stale(s.evtchns)}`);
  if (!s.params.ok) out.push(`  params: ERROR ${s.params.error}`);
  else if (s.params.staleSince !== undefined) out.push(`  params${stale(s.params)}`);
  if (!s.deviceModels.ok) out.push(`  device models: ERROR ${s.deviceModels.error}`);
  else {
    out.push(`  device models: ${s.deviceModels.value.length}${stale(s.deviceModels)}${s.deviceModels.note ? `  (${s.deviceModels.note})` : ''}`);
    for (const dm of s.deviceModels.value) out.push(`    ${dm.kind} for d${dm.target}${dm.pid !== undefined ? ` pid ${dm.pid}` : ''}${dm.domain !== undefined ? ` in d${dm.domain}` : ''}`);
  }
  if (!s.console.ok) out.push(`  console: ERROR ${s.console.error}`);
  else {
    out.push(`  console (ioreq lines): ${s.console.value.length}${stale(s.console)}`);
    for (const l of s.console.value.slice(-200)) out.push(`    ${l}`);
  }
  return out;
}

/** Lines of `b` not in `a` (added) and of `a` not in `b` (removed), each counted as a multiset, in order. */
export function lineDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  const count = (xs: readonly string[]) => { const m = new Map<string, number>(); for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1); return m; };
  const ca = count(a), cb = count(b);
  const pick = (xs: readonly string[], other: Map<string, number>) => xs.filter((x) => {
    const n = other.get(x) ?? 0;
    if (n > 0) { other.set(x, n - 1); return false; }
    return true;
  });
  return { added: pick(b, ca), removed: pick(a, cb) };
}
