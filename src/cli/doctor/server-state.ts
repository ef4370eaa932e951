// What `ferry doctor --server`'s checks share: the flags, then the config and the modules the
// config check loaded (later checks need them and are skipped without them).
import type { Config } from '../../server/core/config.js';
import type { LoadedModule } from '../../server/core/load-modules.js';
import type { ConfigFlags } from '../config-options.js';

export interface ServerDoctorState {
  flags: ConfigFlags;
  config?: Config;
  modules?: LoadedModule[];
}
