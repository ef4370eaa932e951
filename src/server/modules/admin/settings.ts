// The effective file-transfer settings, read from the running modules' services (not re-parsed
// from the config), so the console shows what is in force; and the settings that can be changed
// live, each with its file value and its override (the core's settings service).
import type { ModuleContext } from '../../core/module.js';
import type { EffectiveSettings } from './console/views.js';

export function effectiveSettings(ctx: ModuleContext): EffectiveSettings {
  const proxy = ctx.service('proxy65');
  const upload = ctx.service('http_upload');
  return {
    proxy: proxy
      ? {
          enabled: true,
          isActive: proxy.isActive,
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
    settings: ctx.service('settings')?.list() ?? [],
  };
}
