// Interop: the `ferry` CLI against Libervia 0.9 (Jingle and SI file transfer) on a Ferry server,
// in a private network namespace. The cases and their COMPAT notes: test/helpers/libervia-suite.ts.
import { liberviaSuite } from '../helpers/libervia-suite.js';

liberviaSuite('Ferry');
