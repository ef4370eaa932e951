// Lint: typescript-eslint's recommended rules plus the architecture's dependency rule
// (protocol ← socks5 ← {server, client}; cli → client, server; modules never import siblings).
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const layer = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict([
      layer(['node:net', 'node:tls', 'node:http', 'node:https', 'node:dgram', 'ws'], 'protocol/ is pure: no sockets'),
      layer(
        ['**/server/**', '**/client/**', '**/socks5/**', '**/cli/**'],
        'protocol/ depends on nothing else in Ferry',
      ),
    ]),
  },
  {
    files: ['src/socks5/**/*.ts'],
    rules: restrict([layer(['**/server/**', '**/client/**', '**/cli/**'], 'socks5/ sits below server and client')]),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: restrict([layer(['**/client/**', '**/cli/**'], 'the server never imports the client or the CLI')]),
  },
  {
    files: ['src/server/modules/*/**/*.ts'],
    rules: restrict([
      layer(['**/client/**', '**/cli/**'], 'the server never imports the client or the CLI'),
      {
        regex: '^\\.\\./(?!\\.\\.)',
        message: 'a module never imports a sibling module; use a service it declares (ctx.require)',
      },
    ]),
  },
  {
    files: ['src/client/**/*.ts'],
    rules: restrict([layer(['**/server/**', '**/cli/**'], 'the client never imports the server or the CLI')]),
  },
);
