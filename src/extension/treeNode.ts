// The Model view's node shape as data: what every node class (nodes/*.ts) shows and what commands read from the
// element they are given (a leaf module: the node classes and the tree import it, it imports nothing).

export type NodeKind = 'root' | 'domain' | 'vcpus' | 'vcpuBucket' | 'vcpu' | 'server' | 'pages' | 'page' | 'evtchns' | 'portBucket' | 'port'
  | 'params' | 'param' | 'dms' | 'dm' | 'info' | 'violation' | 'ioservers' | 'ioserver' | 'hostDomains' | 'hostDomain' | 'hostPorts' | 'hostDmPorts' | 'hostDms' | 'hostConsole';

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
