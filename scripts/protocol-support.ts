// Writes docs/protocol-support.md and the README's support table from module metadata, so the
// table can never claim what the code does not declare. `npm run protocol-support`.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderProtocolSupport } from '../src/server/core/protocol-support.js';
import { builtinModules } from '../src/server/modules/index.js';

const table = renderProtocolSupport(builtinModules);
writeFileSync(
  'docs/protocol-support.md',
  `# Protocol support\n\nGenerated from module metadata by \`npm run protocol-support\`; do not edit by hand.\n\n${table}`,
);
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- protocol-support:start -->';
const end = '<!-- protocol-support:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < 0) throw new Error('README.md lacks the protocol-support markers');
writeFileSync('README.md', `${readme.slice(0, from + start.length)}\n${table}${readme.slice(to)}`);
console.log('protocol support table written');
