#!/usr/bin/env node
// Runs node's test runner over test/<suite>/**/*.test.ts through tsx.
// Node 20's --test does not expand globs, so the file list is built here. The workspace packages
// resolve to their TypeScript sources (the `ferry-source` export condition): no build step.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
if (suites.length === 0) suites.push('unit', 'integration', 'conformance', 'fuzz');

function collect(dir) {
  let found = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(collect(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = suites.flatMap((suite) => collect(join('test', suite)));
if (files.length === 0) {
  console.error(`no test files under ${suites.map((s) => `test/${s}`).join(', ')}`);
  process.exit(1);
}
// Node 20 applies --test-timeout to each file as a whole: the slowest files (CLI transfers over
// every method, interop suites that start a desktop client once) need minutes on a loaded 2-core
// machine. Still a bound: a hung file ends in 5 minutes.
const result = spawnSync(
  process.execPath,
  [
    '--conditions=ferry-source',
    '--conditions=ferry-source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
