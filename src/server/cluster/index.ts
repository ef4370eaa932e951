// A Ferry cluster: several nodes serving one domain. PostgreSQL (storage.backend = "postgres")
// holds what lasts; Redis holds what is live. See docs/cluster.md and ADR 0009.
//
//   cluster-node.ts        lifecycle: join, leave, react to heartbeats
//   cluster-directory.ts   the SessionDirectory: local sessions + mirror of the others'
//   remote-mirror.ts       the mirror and RemoteSession (isLocal false)
//   mirror-sync.ts         subscription + snapshot that keep the mirror current; cross-node conflicts
//   session-announcer.ts   this node's binds and changes, written and published
//   session-entry.ts       what Redis holds per session, and the events (validated on the way in)
//   forwarder.ts           the remote route: a stanza into the other node's inbox
//   inbox.ts               this node's inbox: read, validate, deliver through the outbound path
//   envelope.ts            what an inbox entry holds (validated on the way in)
//   heartbeat.ts reaper.ts liveness, and the clean-up after a dead node (its inbox routed again)
//   contact-presence.ts orphan-stanza.ts   presence sent for a dead or returning node; stanzas whose session left
//   cluster-view.ts        the `cluster` service: every node and its sessions, for operators
//   keys.ts scripts.ts redis-connection.ts   key names, Lua scripts, bounded connections
export { ClusterNode } from './cluster-node.js';
export type { ClusterNodeView, ClusterView } from './cluster-view.js';
export { ClusterConnectError } from './redis-connection.js';
