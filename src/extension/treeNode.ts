// The Model view's node shape, shared by the model tree and the live-host tree (a leaf module: neither imports the other
// through it).

export type NodeKind = 'root' | 'domain' | 'vcpus' | 'vcpuBucket' | 'vcpu' | 'server' | 'pages' | 'page' | 'evtchns' | 'portBucket' | 'port'
  | 'params' | 'param' | 'dms' | 'dm' | 'info' | 'violation' | 'ioservers' | 'ioserver' | 'hostDomains' | 'hostDomain' | 'hostPorts' | 'hostDms' | 'hostConsole';

export interface TreeNode {
  /** Stable across refreshes: the same thing keeps the same id. */
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  /** Drives the menus in package.json. */
  contextValue: string;
  /** A codicon id. */
  icon: string;
  collapsible: boolean;
  /** What the node stands for, for commands (a pfn, a function, a memory reference). */
  data?: Record<string, unknown>;
}
