// The filesystem BlobStore (the default) through the same conformance cases as the S3 one.
import { after } from 'node:test';
import { join } from 'node:path';
import { createFilesystemBlobStore } from '../../src/server/modules/http-upload/blob-store/filesystem.js';
import { describeBlobStore } from '../helpers/blob-store-conformance.js';
import { tempDir } from '../helpers/files.js';

const dir = tempDir('ferry-blob-fs-');
after(() => dir.remove());

let caseNumber = 0;
// A fresh folder per case: an empty store each time.
describeBlobStore('filesystem', async () => createFilesystemBlobStore(join(dir.path, `case-${++caseNumber}`)));
