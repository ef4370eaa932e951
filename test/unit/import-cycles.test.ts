// No two files under src/ (or a package's src/) import each other, directly or around a loop, counting type-only
// imports: a cycle makes load order matter and blurs which file owns a concept.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['src', 'packages/protocol/src', 'packages/client/src'].map((dir) => join(ROOT, dir));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of each file, resolved `./x.js` → `./x.ts`. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const onStack: string[] = [];
  const done = new Set<string>();
  const visit = (file: string) => {
    onStack.push(file);
    for (const target of graph.get(file) ?? []) {
      const at = onStack.indexOf(target);
      if (at >= 0) cycles.push([...onStack.slice(at), target]);
      else if (!done.has(target)) visit(target);
    }
    onStack.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

describe('import graph of src/ and the packages', () => {
  it('has no cycles, type-only imports included', () => {
    const cycles = findCycles(importGraph(SOURCE_DIRS.flatMap(sourceFiles)));
    const shown = cycles.map((cycle) => cycle.map((file) => relative(ROOT, file)).join(' → '));
    assert.deepEqual(shown, []);
  });
});
