// `ferry doctor` steps 1–3: where the server is (RFC 6120 §3.2 SRV, XEP-0368 for direct TLS, then
// A/AAAA), whether TCP reaches c2s and direct TLS, and the certificate the STARTTLS handshake
// shows (trusted with this run's trust only, naming the domain, not about to expire).
import { promises as dns } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { dial } from '@ferry/client/internal/dial';
import { resolveEndpoints, type Endpoint, type SrvResolver } from '@ferry/client/internal/endpoints';
import type { TransferError } from '@ferry/client/internal/transfer-error';
import type { ClientDoctorState } from './client-state.js';
import { fail, pass, warn, type Check, type Verdict } from './runner.js';

const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

type SocketEndpoint = Exclude<Endpoint, { kind: 'websocket' }>;

/**
 * The endpoints connect() would try, in its order (endpoints.ts: both SRV lists merged by priority
 * and weight), and what the lookups met on the way, for the report.
 */
async function lookUpEndpoints(
  domain: string,
  resolveSrv: SrvResolver,
  signal: AbortSignal,
): Promise<{ endpoints: SocketEndpoint[]; records: number; problems: string[] }> {
  let records = 0;
  const problems: string[] = [];
  const recording: SrvResolver = async (name) => {
    try {
      const found = await resolveSrv(name);
      records += found.length;
      return found;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No such name or no SRV there: the normal case for a small server.
      if (code !== 'ENOTFOUND' && code !== 'ENODATA') problems.push(`${name}: ${code ?? String(error)}`);
      throw error;
    }
  };
  const endpoints = (await resolveEndpoints(domain, recording, signal)).filter(
    (endpoint): endpoint is SocketEndpoint => endpoint.kind !== 'websocket',
  );
  return { endpoints, records, problems };
}

export const dnsCheck: Check<ClientDoctorState> = {
  name: 'dns',
  async run(state, signal) {
    const domain = state.jid.domain;
    const notes: string[] = [];
    let c2s: { host: string; port: number };
    if (state.flags.host !== undefined || state.flags.port !== undefined) {
      c2s = { host: state.flags.host ?? domain, port: state.flags.port ?? 5222 };
      notes.push('--host/--port given: SRV not used');
      state.directTls = {
        host: c2s.host,
        port: state.flags.directTlsPort ?? 5223,
        isExpected: state.flags.directTlsPort !== undefined,
        why: '--direct-tls-port',
      };
    } else {
      const resolver = new dns.Resolver({ timeout: Math.min(state.timeoutMs, 3_000), tries: 2 });
      signal.addEventListener('abort', () => resolver.cancel(), { once: true });
      const found = await lookUpEndpoints(domain, state.resolveSrv ?? ((name) => resolver.resolveSrv(name)), signal);
      const plain = found.endpoints.find((endpoint) => endpoint.kind === 'starttls');
      const secure = found.endpoints.find((endpoint) => endpoint.kind === 'direct-tls');
      if (found.records === 0) notes.push(`no SRV; using ${domain}:5222`);
      if (found.problems.length > 0) notes.push(`SRV lookup trouble: ${found.problems.join('; ')}`);
      if (found.endpoints.length === 0)
        return fail(
          `the SRV records of ${domain} say there is no XMPP service (target ".")`,
          `point _xmpp-client._tcp.${domain} at your server, or remove the records`,
        );
      if (found.records > 0 && plain) notes.push(`SRV _xmpp-client._tcp → ${plain.host}:${plain.port}`);
      if (secure) notes.push(`SRV _xmpps-client._tcp → ${secure.host}:${secure.port}`);
      // Direct TLS only: its host is where c2s would be too.
      c2s = plain ? { host: plain.host, port: plain.port } : { host: secure!.host, port: 5222 };
      state.directTls = secure
        ? { host: secure.host, port: secure.port, isExpected: true, why: 'SRV' }
        : {
            host: c2s.host,
            port: state.flags.directTlsPort ?? 5223,
            isExpected: state.flags.directTlsPort !== undefined,
            why: '--direct-tls-port',
          };
    }
    state.c2s = c2s;
    if (net.isIP(c2s.host)) return pass([...notes, `${c2s.host} is an address`].join('; '));
    try {
      const addresses = await dns.lookup(c2s.host, { all: true });
      return pass([...notes, `${c2s.host} → ${addresses.map((a) => a.address).join(', ')}`].join('; '));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return fail(
        [...notes, `cannot resolve ${c2s.host} (${code})`].join('; '),
        `add an A/AAAA record for ${c2s.host}` +
          (c2s.host === domain ? ` (or an SRV record _xmpp-client._tcp.${domain} naming your server)` : '') +
          ', or pass --host with the server address',
      );
    }
  },
};

/** Connects and closes; resolves with the address reached. */
function probeTcp(host: string, port: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const finish = (error?: Error) => {
      signal.removeEventListener('abort', onAbort);
      const address = socket.remoteAddress;
      socket.destroy();
      if (error) reject(error);
      else resolve(address ?? host);
    };
    const onAbort = () => finish(signal.reason as Error);
    socket.once('connect', () => finish());
    socket.on('error', (error) => finish(error));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

export const tcpC2sCheck: Check<ClientDoctorState> = {
  name: 'tcp c2s',
  needs: ['dns'],
  async run(state, signal) {
    const { host, port } = state.c2s!;
    try {
      state.serverAddress = await probeTcp(host, port, signal);
      return pass(
        `${host}:${port} accepts connections${state.serverAddress !== host ? ` (${state.serverAddress})` : ''}`,
      );
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ECONNREFUSED')
        return fail(
          `nothing listens on ${host}:${port} (connection refused)`,
          `start the server (ferry server); if it runs, its c2s.host/c2s.port are not ${host}:${port} (check --host/--port), or a firewall rejects port ${port}`,
        );
      return fail(
        `cannot reach ${host}:${port} (${signal.aborted ? 'no answer' : code})`,
        `a firewall or NAT between here and the server drops port ${port}: open or forward TCP ${port} to the server's c2s.host`,
      );
    }
  },
};

export const tcpDirectTlsCheck: Check<ClientDoctorState> = {
  name: 'tcp direct-tls',
  needs: ['dns'],
  async run(state, signal) {
    const target = state.directTls!;
    const where = `${target.host}:${target.port}`;
    try {
      await probeTcp(target.host, target.port, signal);
      return pass(`${where} accepts connections`);
    } catch (error) {
      const code = signal.aborted ? 'no answer' : errnoOf(error);
      if (!target.isExpected)
        return pass(`nothing on ${where} (${code}); direct TLS (XEP-0368) is optional, STARTTLS is used`);
      return fail(
        `${where} (from ${target.why}) is not reachable (${code})`,
        `enable the direct TLS listener (c2s_direct_tls.enabled, c2s_direct_tls.port = ${target.port}) and open TCP ${target.port}` +
          (target.why === 'SRV' ? `, or remove the _xmpps-client._tcp SRV record` : ''),
      );
    }
  },
};

export const certificateCheck: Check<ClientDoctorState> = {
  name: 'certificate',
  needs: ['tcp c2s'],
  async run(state, signal) {
    const { host, port } = state.c2s!;
    const domain = state.jid.domain;
    const endpoint = { kind: 'starttls' as const, host, port };
    let dialed;
    try {
      dialed = await dial(endpoint, domain, state.trust, signal);
    } catch (error) {
      const coded = error as TransferError;
      if (coded.code !== 'FERRY_ERR_TLS_UNTRUSTED')
        return fail(coded.message, 'the STARTTLS step failed: see the detail');
      // Look again without verifying, to say what is wrong with it.
      const look = await dial(endpoint, domain, { insecure: true, ca: undefined }, signal).catch(() => undefined);
      const cert = look?.kind === 'tls' ? look.socket.getPeerCertificate() : undefined;
      if (look?.kind === 'tls') look.socket.destroy();
      const reason = (coded.cause as NodeJS.ErrnoException | undefined)?.code ?? 'not trusted';
      return untrusted(reason, cert, domain, state);
    }
    if (dialed.kind !== 'tls') {
      if (dialed.kind === 'plain') dialed.socket.destroy();
      return warn(
        `${host}:${port} offers no STARTTLS (accepted on loopback only)`,
        'give the server TLS (c2s.require_tls = true; a certificate in tls.cert_file)',
      );
    }
    const socket = dialed.socket;
    const cert = socket.getPeerCertificate();
    const authorizationError = socket.authorizationError;
    const isAuthorized = socket.authorized;
    socket.destroy();
    const about = describeCertificate(cert);
    if (!state.trust.insecure || isAuthorized) return judge(cert, domain, `trusted; ${about}`);
    const reason = String(authorizationError ?? 'not verified');
    const named = judge(cert, domain, about);
    if (named.status === 'fail') return named;
    return warn(
      `not verified (${reason}), accepted because of --insecure; ${about}`,
      `pass --ca-file FILE with the server's CA instead of --insecure (a self-signed server: data_dir/tls/${domain}.crt), or give the server a certificate from a public CA (tls.cert_file, tls.key_file)`,
    );
  },
};

/** The certificate names the domain and has more than two weeks left. */
function judge(cert: tls.PeerCertificate, domain: string, detail: string): Verdict {
  if (tls.checkServerIdentity(domain, cert))
    return fail(
      `the certificate does not name ${domain}; ${describeCertificate(cert)}`,
      `set tls.cert_file and tls.key_file to a certificate for ${domain}`,
    );
  const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / DAY_MS);
  if (days < 0) return fail(`expired; ${detail}`, 'renew the certificate in tls.cert_file (and tls.key_file)');
  if (days < EXPIRY_WARNING_DAYS)
    return fail(
      `expires in ${days} day${days === 1 ? '' : 's'}; ${detail}`,
      'renew the certificate in tls.cert_file (and tls.key_file) before it expires; is its automatic renewal running?',
    );
  return pass(detail);
}

function untrusted(
  reason: string,
  cert: tls.PeerCertificate | undefined,
  domain: string,
  state: ClientDoctorState,
): Verdict {
  const about = cert ? `; ${describeCertificate(cert)}` : '';
  if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || reason === 'HOSTNAME_MISMATCH')
    return fail(
      `the certificate does not name ${domain}${about}`,
      `set tls.cert_file and tls.key_file to a certificate for ${domain}`,
    );
  if (reason === 'CERT_HAS_EXPIRED')
    return fail(`the certificate has expired${about}`, 'renew the certificate in tls.cert_file (and tls.key_file)');
  const trusted = state.flags.caFile ? `--ca-file ${state.flags.caFile} does not cover it: ` : '';
  return fail(
    `not trusted (${reason})${about}`,
    `${trusted}pass --ca-file FILE with the server's CA (a self-signed server: its data_dir/tls/${domain}.crt), ` +
      'or give the server a certificate from a public CA (tls.cert_file, tls.key_file); --insecure skips the check on a test server',
  );
}

function describeCertificate(cert: tls.PeerCertificate): string {
  const names = cert.subjectaltname?.replace(/DNS:|IP Address:/g, '') || cert.subject?.CN || '?';
  const issuer = cert.issuer?.CN ?? cert.issuer?.O ?? '?';
  const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / DAY_MS);
  const selfSigned = JSON.stringify(cert.issuer) === JSON.stringify(cert.subject) ? ', self-signed' : '';
  return `for ${names}, issued by ${issuer}${selfSigned}, ${days} days left`;
}
