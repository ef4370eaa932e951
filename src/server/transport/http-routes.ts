// HTTP routes on the server's HTTP/HTTPS listeners, by path prefix. Modules (HTTP upload, the
// admin console) add theirs; everything else is 404.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HttpHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  isSecure: boolean,
) => void | Promise<void>;

export class HttpRoutes {
  readonly #routes: { prefix: string; handler: HttpHandler }[] = [];

  add(prefix: string, handler: HttpHandler): () => void {
    const route = { prefix, handler };
    this.#routes.push(route);
    this.#routes.sort((a, b) => b.prefix.length - a.prefix.length); // longest prefix wins
    return () => {
      const index = this.#routes.indexOf(route);
      if (index >= 0) this.#routes.splice(index, 1);
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse, isSecure: boolean): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = this.#routes.find(
      ({ prefix }) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
    );
    try {
      if (route) return await route.handler(request, response, isSecure);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal server error\n');
    }
  }
}
