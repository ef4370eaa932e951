#!/usr/bin/env node
// Fails when docs/api (the API reference, `npm run docs`) is not what the TSDoc generates now:
// builds the packages' declarations, generates the reference into a scratch folder and compares
// every file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const COMMITTED = 'docs/api';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`docs:check: ${command} ${args.join(' ')} failed`);
    process.exit(1);
  }
}

function files(dir) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'ferry-api-docs-'));
try {
  run('npx', ['tsc', '-b', 'tsconfig.build.json']);
  run('npx', ['typedoc', '--logLevel', 'Warn', '--out', scratch]);
  const fresh = files(scratch);
  const committed = files(COMMITTED);
  const stale = [
    ...fresh.filter((file) => !committed.includes(file)).map((file) => `missing: ${file}`),
    ...committed.filter((file) => !fresh.includes(file)).map((file) => `no longer generated: ${file}`),
    ...fresh
      .filter((file) => committed.includes(file))
      .filter((file) => readFileSync(join(scratch, file), 'utf8') !== readFileSync(join(COMMITTED, file), 'utf8'))
      .map((file) => `changed: ${file}`),
  ];
  if (stale.length > 0) {
    console.error(`docs/api is stale (run npm run docs and commit it):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`docs/api is current (${fresh.length} files)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
