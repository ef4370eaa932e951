// One list of behavioural cases for the storage contract (src/server/storage/types.ts), run
// against every backend in STORE_BACKENDS (ADR 0005). Backend-specific behaviour (files, WAL,
// other processes) is tested beside each backend instead.
import { after, describe, it } from 'node:test';
import { STORE_BACKENDS, type StoreCase } from './store-backends.js';
import { accountCases } from './store-cases/accounts.js';
import { keyValueCases } from './store-cases/key-value.js';
import { listCases } from './store-cases/list.js';
import { offlineCases } from './store-cases/offline.js';
import { rosterCases } from './store-cases/roster.js';
import { storeVersionCases } from './store-cases/store-versions.js';

const SUITES: [string, readonly StoreCase[]][] = [
  ['accounts', accountCases],
  ['roster', rosterCases],
  ['offline messages', offlineCases],
  ['key-value stores', keyValueCases],
  ['list stores', listCases],
  ['store versions and migrations', storeVersionCases],
];

for (const backend of STORE_BACKENDS) {
  describe(`storage conformance: ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.close?.());
    for (const [title, cases] of SUITES) {
      describe(title, () => {
        for (const { name, run } of cases) {
          it(name, async () => {
            const { storage, dispose } = await backend.open();
            try {
              await run(storage);
            } finally {
              await dispose();
            }
          });
        }
      });
    }
  });
}
