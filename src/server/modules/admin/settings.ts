// The effective file-transfer settings, read from the running modules' services (not re-parsed
// from the config), so the console shows what is in force. Read-only for now: changing them live
// (applied and persisted) is a later step.
import type { ModuleContext } from '../../core/module.js';
import type { EffectiveSettings } from './console/views.js';

export function effectiveSettings(ctx: ModuleContext): EffectiveSettings {
  const proxy = ctx.service('proxy65');
  const upload = ctx.service('http_upload');
  return {
    proxy: proxy
      ? {
          enabled: true,
          jid: proxy.jid,
          listening: proxy.listening,
          advertised: proxy.advertised,
          acl: proxy.acl,
          bandwidthBytesPerSecond: proxy.bandwidthBytesPerSecond,
        }
      : { enabled: false },
    upload: upload
      ? { enabled: true, jid: upload.jid, storedBytes: upload.storedBytes, ...upload.settings }
      : { enabled: false },
    editable: false,
  };
}
