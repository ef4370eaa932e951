// Serves the web example: index.html and app.js, bundled from app.ts by esbuild at start-up with
// the client's browser build (scripts/bundle-check.ts). Loopback only by default.
// Run: npx tsx examples/web/serve.ts [--port 8080] [--host 127.0.0.1]
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../../scripts/bundle-check.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface WebExample {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveWebExample(options: { host?: string; port?: number } = {}): Promise<WebExample> {
  const bundle = await bundleForBrowser(join(HERE, 'app.ts'));
  if (bundle.builtins.length > 0) throw new Error(`app.js reaches Node built-ins: ${bundle.builtins.join(', ')}`);
  const html = await readFile(join(HERE, 'index.html'));
  const files = new Map<string, { type: string; body: string | Buffer }>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/index.html', { type: 'text/html; charset=utf-8', body: html }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: bundle.code }],
  ]);
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (request.method !== 'GET' || !file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = (name: string) => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const example = await serveWebExample({ host: flag('--host'), port: Number(flag('--port') ?? 8080) });
  console.log(`serving ${example.url}`);
}
