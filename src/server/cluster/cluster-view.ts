// What an operator sees of the cluster from any node (`ferry status`, the admin console): this
// node's id and every node it knows of, with the sessions each serves as this node's mirror has them.

export interface ClusterNodeView {
  readonly id: string;
  /** Sessions bound to that node (for another node: as announced through Redis). */
  readonly sessions: number;
  /** The node answering. */
  readonly isSelf: boolean;
}

export interface ClusterView {
  readonly node: string;
  /** This node first, then the others by id: those alive at the last heartbeat, and any whose sessions are still mirrored. */
  readonly nodes: readonly ClusterNodeView[];
}

export interface ClusterService {
  view(): ClusterView;
}

declare module '../core/services.js' {
  interface Services {
    cluster: ClusterService;
  }
}
