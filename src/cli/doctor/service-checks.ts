// `ferry doctor` steps 4–6: the login (SASL), the services the server lists (XEP-0030 disco#items:
// the XEP-0065 proxy and the XEP-0363 upload service), and a SOCKS5 greeting to the address the
// proxy advertises — the externalip/NAT trap seen from the client's side, the same probe the
// server runs on itself at start (proxy65/advertised-host.ts).
import { promises as dns } from 'node:dns';
import { connect } from '@ferry/client/internal/connection';
import type { TransferError } from '@ferry/client/internal/transfer-error';
import { ProxyDirectory } from '@ferry/client/internal/transports/socks5/proxy-directory';
import { discoverUploadService } from '@ferry/client/internal/upload/upload-service';
import { checkStreamhost } from '../../server/modules/proxy65/advertised-host.js';
import { connectError } from '../error-lines.js';
import { formatBytes } from '../progress-bar.js';
import { addressKind, isInternal } from './address-kind.js';
import type { ClientDoctorState } from './client-state.js';
import { fail, pass, type Check } from './runner.js';

export const loginCheck: Check<ClientDoctorState> = {
  name: 'login',
  needs: ['certificate'],
  async run(state, signal) {
    const { host, port } = state.c2s!;
    const account = state.jid.toString();
    try {
      state.connection = await connect({
        jid: `${account}/doctor-${state.tag}`,
        password: state.password,
        host,
        port,
        insecure: state.trust.insecure,
        caFile: state.flags.caFile,
        timeoutMs: state.timeoutMs,
        signal,
      });
      return pass(`logged in as ${state.connection.jid.toString()} (SASL)`);
    } catch (error) {
      const line = connectError(error, { jid: account, host, port, passwordFrom: state.passwordFrom }).message;
      if ((error as TransferError).code === 'FERRY_ERR_AUTH')
        return fail(
          line,
          `check the password (it came from ${state.passwordFrom}) and that the account exists (on the server: ferry adduser ${account})`,
        );
      return fail(line, 'the login step failed after TLS: see the detail; the server log says more');
    }
  },
};

export const proxyServiceCheck: Check<ClientDoctorState> = {
  name: 'disco proxy',
  needs: ['login'],
  async run(state) {
    const connection = state.connection!;
    const directory = new ProxyDirectory({ discover: true, timeoutMs: state.timeoutMs, cacheTtlMs: 1 });
    const lookup = await directory.lookup(connection);
    const streamhost = lookup.streamhosts[0];
    if (!streamhost)
      return fail(
        `${connection.jid.domain} lists no SOCKS5 proxy (XEP-0065)` +
          (lookup.problems.length > 0 ? ` (${lookup.problems.slice(0, 3).join('; ')})` : ''),
        'enable the proxy on the server (modules.proxy65.enabled = true); without it, peers behind NAT fall back to slow IBB',
      );
    state.proxy = { jid: streamhost.jid, host: streamhost.host, port: streamhost.port };
    return pass(`${streamhost.jid} advertises ${streamhost.host}:${streamhost.port}`);
  },
};

export const uploadServiceCheck: Check<ClientDoctorState> = {
  name: 'disco upload',
  needs: ['login'],
  async run(state, signal) {
    try {
      const service = await discoverUploadService(state.connection!, state.timeoutMs, signal);
      state.upload = service;
      const max = service.maxFileSize === undefined ? '' : ` (max ${formatBytes(service.maxFileSize)})`;
      return pass(`${service.jid}${max}`);
    } catch (error) {
      if (signal.aborted) throw error;
      return fail(
        (error as Error).message,
        'enable HTTP upload on the server (modules.http_upload.enabled = true, with the HTTPS listener: http.https_enabled)',
      );
    }
  },
};

export const socks5Check: Check<ClientDoctorState> = {
  name: 'socks5 proxy',
  needs: ['disco proxy'],
  async run(state, signal) {
    const { jid, host, port } = state.proxy!;
    const where = `${host}:${port}`;
    const advertised = addressKind(host) === 'name' ? await firstAddress(host) : host;
    const reached = state.serverAddress ?? state.c2s!.host;
    const fix =
      `set modules.proxy65.advertised_host (and advertised_port) to an address clients can reach, ` +
      `and open or forward TCP port ${port} to the proxy (modules.proxy65.port)`;
    if (advertised === undefined) return fail(`${jid} advertises ${host}, which does not resolve`, fix);
    if (isInternal(advertised) && !isInternal(reached))
      return fail(
        `advertised ${host} is a ${addressKind(advertised)} address, but you reached the server at ${reached}`,
        `set modules.proxy65.advertised_host to the public address and forward port ${port}`,
      );
    const probe = await checkStreamhost(host, port, { timeoutMs: state.timeoutMs, signal });
    if (probe.ok) return pass(`${jid} at ${where} answers SOCKS5`);
    return fail(`${jid} advertises ${where}: ${probe.reason}`, fix);
  },
};

async function firstAddress(host: string): Promise<string | undefined> {
  try {
    return (await dns.lookup(host)).address;
  } catch {
    return undefined;
  }
}
