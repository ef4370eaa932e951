// The modules a Ferry server ships, in no particular order (dependencies decide the order).
import type { ModuleDefinition } from '../core/module.js';
import disco from './disco/index.js';
import ping from './ping/index.js';
import version from './version/index.js';
import roster from './roster/index.js';
import presence from './presence/index.js';
import message from './message/index.js';
import register from './register/index.js';
import proxy65 from './proxy65/index.js';
import httpUpload from './http-upload/index.js';
import metrics from './metrics/index.js';
import operations from './operations/index.js';
import admin from './admin/index.js';

export const builtinModules: readonly ModuleDefinition[] = [
  disco,
  ping,
  version,
  roster,
  presence,
  message,
  register,
  proxy65,
  httpUpload,
  metrics,
  operations,
  admin,
] as ModuleDefinition[];
