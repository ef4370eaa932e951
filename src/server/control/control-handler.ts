// What each control request does: the operations service answers status, sessions, transfers and
// kick (the admin console reads the same service, so the two never disagree); reload is the
// server's own. Looked up per request: the operations module may be switched off.
import type { Operations } from '../modules/operations/operations-service.js';
import type { ControlHandler } from './control-server.js';

export interface ControlSources {
  operations(): Operations | undefined;
  /** Re-reads the configuration and applies what can change live (SIGHUP does the same). */
  reload?(): Promise<unknown>;
}

class Unavailable extends Error {
  readonly code = 'unavailable';
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
    }
  };
}
