// `ferry settings [get [KEY] | set KEY VALUE | reset KEY]`: the file-transfer settings a running
// server applies live, through the control socket and the same settings service as the admin
// console (validated with the configuration's schema, applied at once, kept across restarts,
// audited). VALUE is JSON when it parses (7000, false, ["a@b"]), else text (local, example.org).
import type { Command } from 'commander';
import { coerceSettingValue, type SettingChange, type SettingView } from '../../server/core/settings-service.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';
import { controlRequest, controlSocketPath } from '../control-client.js';
import { CliError } from '../cli-error.js';

interface Flags extends ConfigFlags {
  json?: boolean;
}

export function registerSettingsCommand(program: Command): void {
  const settings = program
    .command('settings')
    .description('file-transfer settings the running server changes live: get, set KEY VALUE, reset KEY');
  addConfigOptions(
    settings.command('get').description('every live setting (or one), its value and where it comes from'),
  )
    .argument('[key]', 'e.g. modules.proxy65.port')
    .option('--json', 'JSON lines instead of a table')
    .action(async (key: string | undefined, flags: Flags) => {
      const views = (await controlRequest(socketOf(flags), { op: 'settings', action: 'list' })) as SettingView[];
      const shown = key === undefined ? views : views.filter((view) => view.key === key);
      if (key !== undefined && shown.length === 0) {
        throw new CliError(`${key} is not a live setting (known: ${views.map((view) => view.key).join(', ')})`);
      }
      print(flags.json ? shown.map((view) => JSON.stringify(view)) : shown.map(line));
    });
  addConfigOptions(settings.command('set').description('override the file: applied now, kept across restarts'))
    .argument('<key>', 'e.g. modules.proxy65.active')
    .argument('<value>', 'JSON (7000, false, ["alice@example.org"]) or text (local)')
    .action(async (key: string, value: string, flags: Flags) => {
      const change = (await controlRequest(socketOf(flags), {
        op: 'settings',
        action: 'set',
        key,
        value: coerceSettingValue(value),
      })) as SettingChange;
      print([`${change.key}: ${show(change.old)} → ${show(change.new)} (applied, kept across restarts)`]);
    });
  addConfigOptions(settings.command('reset').description("drop the override: back to the configuration file's value"))
    .argument('<key>', 'e.g. modules.proxy65.port')
    .action(async (key: string, flags: Flags) => {
      const change = (await controlRequest(socketOf(flags), { op: 'settings', action: 'reset', key })) as SettingChange;
      print([`${change.key}: ${show(change.old)} → ${show(change.new)} (the file's value)`]);
    });
}

function line(view: SettingView): string {
  const from = view.override
    ? `overridden by ${view.override.by} at ${view.override.at}`
    : view.file === undefined
      ? 'default'
      : 'file';
  return `${view.key} = ${show(view.effective)}  (${view.isAvailable ? from : 'module not loaded'})`;
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value);
}

function socketOf(flags: ConfigFlags): string {
  return controlSocketPath(configFromFlags(flags));
}

function print(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}
