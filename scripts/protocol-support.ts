// Writes docs/protocol-support.md and the README's support tables from module metadata (server)
// and the client library's declarations, so the tables can never claim what the code does not
// declare. `npm run protocol-support`.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderProtocolSupport } from '../src/server/core/protocol-support.js';
import { renderClientSupport } from '@ferry/client/internal/protocol-support';
import { builtinModules } from '../src/server/modules/index.js';

export function renderTables(): string {
  return `### Server\n\n${renderProtocolSupport(builtinModules)}\n### Client library\n\n${renderClientSupport()}`;
}

const tables = renderTables();
writeFileSync(
  'docs/protocol-support.md',
  `# Protocol support\n\nGenerated from module metadata by \`npm run protocol-support\`; do not edit by hand.\n\n${tables}`,
);
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- protocol-support:start -->';
const end = '<!-- protocol-support:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < 0) throw new Error('README.md lacks the protocol-support markers');
writeFileSync('README.md', `${readme.slice(0, from + start.length)}\n${tables}${readme.slice(to)}`);
console.log('protocol support tables written');
