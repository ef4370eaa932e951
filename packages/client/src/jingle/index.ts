// Jingle (XEP-0166) in the client: pure pieces, not yet wired into FileTransferManager.
export * from './session-machine.js'; // XEP-0166 §6–§7: one session, PENDING → ACTIVE → ENDED
export * from './session-table.js'; //   sessions by (peer, sid); unknown-session replies
export * from './s5b-candidates.js'; //  XEP-0260: priorities, DST.ADDR, nomination, activation, fallback
