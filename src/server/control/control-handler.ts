// What each control request does: the operations service answers status, sessions, transfers and
// kick (the admin console reads the same service, so the two never disagree); reload is the
// server's own, and settings go to the settings service the admin console uses too. Looked up per
// request: the operations module may be switched off.
import type { Operations } from '../modules/operations/operations-service.js';
import { SettingsError, type SettingsService } from '../core/settings-service.js';
import type { ControlRequest } from './control-protocol.js';
import type { ControlHandler } from './control-server.js';

/** Who changed a setting, in the audit line: the control socket's user is the server's operator. */
const OPERATOR = 'operator (control socket)';

export interface ControlSources {
  operations(): Operations | undefined;
  settings?(): SettingsService | undefined;
  /** Re-reads the configuration and applies what can change live (SIGHUP does the same). */
  reload?(): Promise<unknown>;
}

class Unavailable extends Error {
  readonly code = 'unavailable';
}

/** A settings refusal as a control error: a bad key or value is the request's fault. */
class SettingsRefused extends Error {
  readonly code: 'bad-request' | 'not-applied' | 'unavailable';
  constructor(error: SettingsError) {
    super(error.message);
    this.code =
      error.code === 'not-applied' ? 'not-applied' : error.code === 'unavailable' ? 'unavailable' : 'bad-request';
  }
}

export function controlHandler(sources: ControlSources): ControlHandler {
  const operations = (): Operations => {
    const service = sources.operations();
    if (service === undefined) {
      throw new Unavailable('the operations module is disabled ([modules.operations] enabled = false)');
    }
    return service;
  };
  return async (request) => {
    switch (request.op) {
      case 'status':
        return operations().status();
      case 'sessions':
        return operations().sessions();
      case 'transfers':
        return operations().transfers();
      case 'kick':
        return { closed: await operations().kick(request.jid, request.reason) };
      case 'reload':
        if (sources.reload === undefined) throw new Unavailable('this server cannot reload its configuration');
        return sources.reload();
      case 'settings':
        return settings(sources, request);
    }
  };
}

async function settings(
  sources: ControlSources,
  request: Extract<ControlRequest, { op: 'settings' }>,
): Promise<unknown> {
  const service = sources.settings?.();
  if (service === undefined) throw new Unavailable('this server has no settings service');
  try {
    if (request.action === 'list') return service.list();
    if (request.action === 'reset') return await service.reset(request.key, OPERATOR);
    return await service.set(request.key, request.value, OPERATOR);
  } catch (error) {
    throw error instanceof SettingsError ? new SettingsRefused(error) : error;
  }
}
