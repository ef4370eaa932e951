// Lint: typescript-eslint's recommended rules plus the architecture's dependency rule
// (@ferry/protocol, socks5 inside it ← {server, @ferry/client}; cli → client, server; modules never
// import siblings; a package reaches another only by its name, never by a path into it).
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const layer = (group, message) => ({ group, message });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'bench/results/**',
      '.tmp/**',
      'packages/*/dist/**',
      'docs/api/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/protocol/src/**/*.ts'],
    ignores: ['packages/protocol/src/socks5/**'],
    rules: restrict([
      layer(['node:net', 'node:tls', 'node:http', 'node:https', 'node:dgram', 'ws'], 'protocol/ is pure: no sockets'),
      layer(
        ['@ferry/*', '**/src/server/**', '**/src/cli/**', '**/packages/**', '**/socks5/**'],
        'protocol/ depends on nothing else in Ferry',
      ),
    ]),
  },
  {
    files: ['packages/protocol/src/socks5/**/*.ts'],
    rules: restrict([
      layer(
        ['@ferry/*', '**/src/server/**', '**/src/cli/**', '**/packages/**'],
        'socks5/ sits below server and client',
      ),
    ]),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: restrict([
      layer(['@ferry/client', '@ferry/client/*', '**/cli/**'], 'the server never imports the client or the CLI'),
      layer(['**/packages/**'], 'a package is imported by its name'),
    ]),
  },
  {
    files: ['src/server/modules/*/**/*.ts'],
    rules: restrict([
      layer(['@ferry/client', '@ferry/client/*', '**/cli/**'], 'the server never imports the client or the CLI'),
      layer(['**/packages/**'], 'a package is imported by its name'),
      {
        regex: '^\\.\\./(?!\\.\\.)',
        message: 'a module never imports a sibling module; use a service it declares (ctx.require)',
      },
    ]),
  },
  {
    files: ['packages/client/src/**/*.ts'],
    rules: restrict([
      layer(
        ['ferry', 'ferry/*', '**/src/server/**', '**/src/cli/**'],
        'the client never imports the server or the CLI',
      ),
      layer(['**/packages/**', '@ferry/client', '@ferry/client/*'], 'a package is imported by its name, never itself'),
    ]),
  },
  {
    files: ['src/cli/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: restrict([layer(['**/packages/**'], 'a package is imported by its name')]),
  },
);
