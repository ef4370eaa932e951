// A file as a Jingle offer describes it: its own module, so that the transfer code outside
// jingle/ can carry one (an XEP-0353 proposal's file, sent later in the session) without importing
// the Jingle machinery.
import type { JingleFile } from '@ferry/protocol/payloads/jingle-ft';

export interface DescribedFile {
  name: string;
  size: number;
  jingle: JingleFile;
  /** The hash goes in a <checksum/> after the bytes (a stream: unknown before). */
  sendsChecksum: boolean;
}
