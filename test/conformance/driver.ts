// What a row of the bytestream conformance suite must do: one driver per way of opening a
// bytestream (SI's open/expect in si-driver.ts, a Jingle session in jingle-driver.ts). The case
// table (bytestream-conformance.test.ts) names the phases; a driver carries each phase out the
// way its protocol does, asserts its protocol's exact outcome (the error each API ends with, the
// stanza on the wire), and reports what it left open, which the table requires to be nothing.
import type { ConnectionPair } from '../helpers/connection-pair.js';
import type { Drained } from './harness.js';

/** Which side gives up, and how: by the API's own abort(reason), or by its AbortSignal. */
export type How = 'abort' | 'signal';

/** The phases of the case table, each run by every row where it means something. */
export type CaseId =
  /** (a) The initiator's signal is aborted before it starts. */
  | 'initiator-aborted-before-open'
  /** (a) The initiator aborts once its opening reached a target that expects nothing. */
  | 'initiator-aborts-at-unexpected-opening'
  /** (a) The initiator aborts while the target holds its opening unanswered. */
  | 'initiator-aborts-while-opening-held'
  /** (a) The initiator aborts just as its opening reaches a target that expects it. */
  | 'initiator-aborts-at-opening'
  /** (b) The target gives up before the opening (how: its cancel/decline, or its signal). */
  | 'target-cancels-before-opening'
  /** (c) The initiator aborts mid-stream. */
  | 'initiator-aborts-mid-stream'
  /** (d) The target aborts mid-stream. */
  | 'target-aborts-mid-stream'
  /** (e) The initiator aborts while the transport is being negotiated. */
  | 'initiator-aborts-in-negotiation'
  /** (e) The target aborts while the transport is being negotiated. */
  | 'target-aborts-in-negotiation'
  /** (f) The initiator aborts after the last byte, before the target confirmed it. */
  | 'initiator-aborts-after-last-byte'
  /** (f) The target aborts after the last byte, before it confirmed it. */
  | 'target-aborts-after-last-byte'
  /** (g) What arrived does not match the sender's hash. */
  | 'damaged-in-transit'
  /** XEP-0047 §2.2: seq wraps from 65535 to 0. */
  | 'seq-wrap';

/** What a case leaves behind: nothing, or a line per thing still open. */
export interface Outcome {
  /** Handlers, sessions, listeners still open after the case ended ('3 iq handlers'…). */
  leftovers: string[];
  /** How it ended, for the report (test diagnostic). */
  note?: string;
}

/** What a size case carried: the table checks that what arrived is what was sent. */
export interface Carried extends Outcome {
  sent: { bytes: number; sha256: string };
  received: Drained;
}

export interface ConformanceDriver {
  readonly name: string;
  /** The unit the size cases are exact multiples of (SOCKS5 has none and gets the same sizes). */
  readonly blockSize: number;
  /** Creates what the row keeps for all its cases (transports, managers) on the suite's pair. */
  start(pair: ConnectionPair): void;
  /** Releases what start() created. */
  stop(): void;
  /** Why a case does not apply to this row (shown as the skip reason); undefined: it runs. */
  skip(id: CaseId): string | undefined;
  /** The row's rule for a case, appended to the case's title ('open() rejects AbortError…'). */
  rule(id: CaseId, how?: How): string;
  /** Sends `size` bytes from the initiator to the target. */
  carry(size: number): Promise<Carried>;
  /** Runs one phase of the table and asserts this row's outcome for it. */
  run(id: CaseId, how: How): Promise<Outcome>;
}
