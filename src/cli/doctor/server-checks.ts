// `ferry doctor --server`: a config and a data directory checked WITHOUT starting a server and
// without writing to them (the database is opened read-only; nothing is migrated or generated).
// Each fix names the config key, the way `ferry server` names it when start-up fails.
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { resolveModules } from '../../server/core/load-modules.js';
import { builtinModules } from '../../server/modules/index.js';
import { defaultAdvertisedHost } from '../../server/modules/proxy65/advertised-host.js';
import { SLOT_KEY_BYTES, SLOT_KEY_FILE } from '../../server/modules/http-upload/slot-token.js';
import { configFromFlags } from '../config-options.js';
import { addressKind } from './address-kind.js';
import { databaseCheck } from './database-check.js';
import type { ServerDoctorState } from './server-state.js';
import { describe, fail, pass, warn, type Check, type Verdict } from './runner.js';

const DAY_MS = 86_400_000;
const EXPIRY_WARNING_DAYS = 14;

function moduleOptions<T>(state: ServerDoctorState, name: string): T | undefined {
  return state.modules?.find((module) => module.definition.name === name)?.options as T | undefined;
}

export const configCheck: Check<ServerDoctorState> = {
  name: 'config',
  async run(state) {
    const file =
      state.flags.config ?? process.env.FERRY_CONFIG ?? (existsSync('ferry.toml') ? 'ferry.toml' : undefined);
    try {
      const config = configFromFlags(state.flags);
      state.modules = resolveModules(config, builtinModules);
      state.config = config;
      return pass(
        `${file || 'built-in defaults'}: domain ${config.domain}, data_dir ${config.data_dir}, ` +
          `modules ${state.modules.map((module) => module.definition.name).join(', ')}`,
      );
    } catch (error) {
      return fail(
        describe(error).replace(/:\n/, ': ').replace(/\n/g, '; '),
        `fix the key named in ${file || 'the configuration'} (or the FERRY_* variable / --set that sets it)`,
      );
    }
  },
};

export const dataDirCheck: Check<ServerDoctorState> = {
  name: 'data dir',
  needs: ['config'],
  async run(state) {
    const dir = resolve(state.config!.data_dir);
    const fix = `make ${dir} writable for the user that runs Ferry, or set data_dir (--data-dir) to a writable folder`;
    const info = await stat(dir).catch(() => undefined);
    if (!info) {
      let parent = dirname(dir);
      while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
      try {
        await access(parent, constants.W_OK);
        return pass(`${dir} does not exist yet; the server creates it at first start (${parent} is writable)`);
      } catch {
        return fail(`${dir} does not exist and ${parent} is not writable`, fix);
      }
    }
    if (!info.isDirectory()) return fail(`${dir} is not a folder`, 'set data_dir (--data-dir) to a folder');
    const probe = join(dir, `.ferry-doctor-${randomBytes(4).toString('hex')}`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
      await unlink(probe);
    } catch (error) {
      return fail(`${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? describe(error)})`, fix);
    }
    const open = (info.mode & 0o077) !== 0;
    if (open)
      return warn(
        `${dir} is writable, but others may read it (mode ${(info.mode & 0o777).toString(8)})`,
        `chmod 700 ${dir}: it holds password keys and the upload signing key`,
      );
    return pass(`${dir} is writable`);
  },
};

export const certificateFileCheck: Check<ServerDoctorState> = {
  name: 'certificate',
  needs: ['config'],
  async run(state) {
    const config = state.config!;
    const { cert_file: certFile, key_file: keyFile } = config.tls;
    if (certFile === undefined && keyFile === undefined) {
      const generated = resolve(config.data_dir, 'tls', `${config.domain}.crt`);
      const key = resolve(config.data_dir, 'tls', `${config.domain}.key`);
      if (!existsSync(generated) || !existsSync(key))
        return pass(
          `no tls.cert_file: a self-signed certificate for ${config.domain} is generated at first start (clients then need --ca-file)`,
        );
      return judgeFiles(generated, key, config.domain, ['the generated certificate', 'its key'], ' (self-signed)');
    }
    if (certFile === undefined || keyFile === undefined)
      return fail('only one of tls.cert_file and tls.key_file is set', 'set tls.cert_file and tls.key_file together');
    return judgeFiles(certFile, keyFile, config.domain, ['tls.cert_file', 'tls.key_file'], '');
  },
};

async function judgeFiles(
  certPath: string,
  keyPath: string,
  domain: string,
  [certKey, keyKey]: [string, string],
  note: string,
): Promise<Verdict> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(certPath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'not a PEM certificate';
    return fail(`${certKey} ${certPath}: cannot be read (${code})`, `fix ${certKey}: a readable PEM certificate`);
  }
  try {
    const key = createPrivateKey(await readFile(keyPath));
    if (!cert.checkPrivateKey(key))
      return fail(`${keyKey} ${keyPath} does not belong to ${certPath}`, `set ${keyKey} to the certificate's own key`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'not a PEM private key';
    return fail(`${keyKey} ${keyPath}: cannot be read (${code})`, `fix ${keyKey}: a readable PEM private key`);
  }
  const days = Math.floor((Date.parse(cert.validTo) - Date.now()) / DAY_MS);
  const renew = `renew the certificate (${certKey}, ${keyKey})`;
  if (days < 0) return fail(`${certPath} expired on ${cert.validTo}`, renew);
  if (days < EXPIRY_WARNING_DAYS) return fail(`${certPath} expires in ${days} days (${cert.validTo})`, renew);
  const isNamed = (net.isIP(domain) ? cert.checkIP(domain) : cert.checkHost(domain)) !== undefined;
  if (!isNamed)
    return fail(
      `${certPath} does not name ${domain} (${cert.subjectAltName ?? cert.subject})`,
      `set ${certKey} and ${keyKey} to a certificate for ${domain}`,
    );
  return pass(`${certPath}${note}: names ${domain}, ${days} days left`);
}

interface Listener {
  key: string;
  hostKey: string;
  host: string;
  port: number;
}

function listenersOf(state: ServerDoctorState): Listener[] {
  const config = state.config!;
  const out: Listener[] = [];
  if (config.c2s.enabled) out.push({ key: 'c2s.port', hostKey: 'c2s.host', ...config.c2s });
  if (config.c2s_direct_tls.enabled)
    out.push({ key: 'c2s_direct_tls.port', hostKey: 'c2s_direct_tls.host', ...config.c2s_direct_tls });
  if (config.http.enabled) {
    out.push({ key: 'http.port', hostKey: 'http.host', host: config.http.host, port: config.http.port });
    if (config.http.https_enabled)
      out.push({ key: 'http.https_port', hostKey: 'http.host', host: config.http.host, port: config.http.https_port });
  }
  const proxy = moduleOptions<{ host: string; port: number }>(state, 'proxy65');
  if (proxy) out.push({ key: 'modules.proxy65.port', hostKey: 'modules.proxy65.host', ...proxy });
  return out;
}

/** Binds and closes at once; resolves with the errno code, or undefined when the port is free. */
function bindTest(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export const portsCheck: Check<ServerDoctorState> = {
  name: 'ports',
  needs: ['config'],
  async run(state) {
    const listeners = listenersOf(state);
    const free: string[] = [];
    const seen = new Map<string, string>();
    for (const listener of listeners) {
      const where = `${listener.host}:${listener.port}`;
      if (listener.port === 0) {
        free.push(`${listener.key} 0 (any)`);
        continue;
      }
      const other = seen.get(String(listener.port));
      if (other)
        return fail(`${listener.key} and ${other} are both ${listener.port}`, `give ${listener.key} a port of its own`);
      seen.set(String(listener.port), listener.key);
      const code = await bindTest(listener.host, listener.port);
      if (code === 'EADDRINUSE')
        return fail(
          `${listener.key}: ${where} is in use`,
          `stop what uses it (is Ferry already running? then this is expected), or set ${listener.key} to a free port`,
        );
      if (code === 'EACCES')
        return fail(
          `${listener.key}: binding ${where} is not permitted`,
          `ports below 1024 need privileges: set ${listener.key} above 1023, or grant CAP_NET_BIND_SERVICE`,
        );
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return fail(
          `${listener.hostKey}: ${listener.host} is not an address of this machine`,
          `fix ${listener.hostKey}`,
        );
      if (code)
        return fail(`${listener.key}: cannot bind ${where} (${code})`, `check ${listener.hostKey} and ${listener.key}`);
      free.push(`${listener.key} ${where}`);
    }
    return pass(`free: ${free.join(', ')}`);
  },
};

export const proxyAddressCheck: Check<ServerDoctorState> = {
  name: 'proxy address',
  needs: ['config'],
  async run(state) {
    const proxy = moduleOptions<{ host: string; port: number; advertised_host?: string; advertised_port?: number }>(
      state,
      'proxy65',
    );
    if (!proxy) return pass('modules.proxy65 is disabled');
    const config = state.config!;
    const advertised = proxy.advertised_host ?? defaultAdvertisedHost(proxy.host);
    const port = proxy.advertised_port ?? proxy.port;
    const c2s = config.c2s.host;
    const c2sKind = addressKind(c2s);
    const kind = addressKind(advertised);
    const isC2sPublic = c2sKind === 'public' || c2sKind === 'wildcard' || c2sKind === 'name';
    const detail = `advertised ${advertised}:${port}, c2s listens on ${c2s}`;
    if (isC2sPublic && (kind === 'loopback' || kind === 'private'))
      return warn(
        `advertised ${advertised} is a ${kind} address while c2s listens on ${c2s}: clients elsewhere cannot reach the proxy`,
        `set modules.proxy65.advertised_host to the public address and forward port ${port}`,
      );
    return pass(detail);
  },
};

export const uploadKeyCheck: Check<ServerDoctorState> = {
  name: 'upload key',
  needs: ['config'],
  async run(state) {
    if (!moduleOptions(state, 'http_upload')) return pass('modules.http_upload is disabled');
    const path = resolve(state.config!.data_dir, SLOT_KEY_FILE);
    const info = await stat(path).catch(() => undefined);
    if (!info) return pass(`${path} does not exist yet; the server creates it at first start`);
    let key: Buffer;
    try {
      key = await readFile(path);
    } catch (error) {
      return fail(
        `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? describe(error)})`,
        'let the user that runs Ferry read it (chown), or delete it to make a new one (open slots stop working)',
      );
    }
    if (key.length !== SLOT_KEY_BYTES)
      return fail(
        `${path} holds ${key.length} bytes, not a ${SLOT_KEY_BYTES}-byte key`,
        'delete it: the server makes a new one at start',
      );
    if ((info.mode & 0o077) !== 0)
      return warn(`${path} may be read by others (mode ${(info.mode & 0o777).toString(8)})`, `chmod 600 ${path}`);
    return pass(`${path} present`);
  },
};

export const serverChecks: readonly Check<ServerDoctorState>[] = [
  configCheck,
  dataDirCheck,
  databaseCheck,
  certificateFileCheck,
  portsCheck,
  proxyAddressCheck,
  uploadKeyCheck,
];
