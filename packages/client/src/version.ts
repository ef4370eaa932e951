// The client's version, read from its package.json (src/ and dist/ sit at the same depth below it).
import { readFileSync } from 'node:fs';

export const FERRY_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
