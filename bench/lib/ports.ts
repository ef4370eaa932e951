// Free loopback ports for the private server instances. The kernel picks one, we close it and
// hand the number to the server; a rare race with another process is reported as a start failure.
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Distinct free ports by name: `const { c2s, proxy } = await freePorts(['c2s', 'proxy'])`. */
export async function freePorts<const Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  // Hold them all open before closing any, so the kernel cannot give the same one twice.
  const servers = await Promise.all(
    names.map(
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, LOOPBACK, () => resolve(server));
        }),
    ),
  );
  const ports = {} as Record<Name, number>;
  servers.forEach((server, index) => {
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('no port from the kernel');
    ports[names[index]!] = address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
