// Validates each module's options and orders modules by their dependencies, before anything
// starts: a misspelt module, a bad option or a missing dependency stops start-up with its key.
import { z } from 'zod';
import { ConfigError, describeIssues, type Config } from './config.js';
import type { ModuleDefinition } from './module.js';

export interface LoadedModule {
  definition: ModuleDefinition;
  options: unknown;
}

export function resolveModules(config: Config, available: readonly ModuleDefinition[]): LoadedModule[] {
  const byName = new Map(available.map((definition) => [definition.name, definition]));
  const problems: string[] = [];
  for (const name of Object.keys(config.modules)) {
    if (!byName.has(name)) problems.push(`modules.${name}: unknown module (known: ${[...byName.keys()].join(', ')})`);
  }
  const enabled = new Map<string, LoadedModule>();
  for (const definition of available) {
    const { enabled: flag, ...raw } = config.modules[definition.name] ?? {};
    if (flag !== undefined && typeof flag !== 'boolean') {
      problems.push(`modules.${definition.name}.enabled: expected true or false`);
      continue;
    }
    const byDefault = definition.enabledByDefault ?? true;
    if (!(flag ?? (typeof byDefault === 'function' ? byDefault(config) : byDefault))) continue;
    const schema = definition.options ?? z.strictObject({});
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      problems.push(describeIssues(parsed.error.issues, ['modules', definition.name]));
      continue;
    }
    enabled.set(definition.name, { definition, options: parsed.data });
  }
  for (const { definition } of enabled.values()) {
    for (const dependency of definition.depends ?? []) {
      if (!enabled.has(dependency))
        problems.push(`modules.${definition.name}: needs module "${dependency}", which is disabled`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return topologicalOrder([...enabled.values()]);
}

function topologicalOrder(modules: LoadedModule[]): LoadedModule[] {
  const byName = new Map(modules.map((module) => [module.definition.name, module]));
  const ordered: LoadedModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: LoadedModule, path: string[]) => {
    const name = module.definition.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`module dependency cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dependency of module.definition.depends ?? []) visit(byName.get(dependency)!, [...path, name]);
    state.set(name, 'done');
    ordered.push(module);
  };
  for (const module of modules) visit(module, []);
  return ordered;
}
