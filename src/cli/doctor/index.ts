// `ferry doctor`: the checks, in the order they run. Client side (a login, the server's services,
// real bytes) and server side (`--server`: a config and data directory, no server started).
import type { Check } from './runner.js';
import type { ClientDoctorState } from './client-state.js';
import { certificateCheck, dnsCheck, tcpC2sCheck, tcpDirectTlsCheck } from './network-checks.js';
import { loginCheck, proxyServiceCheck, socks5Check, uploadServiceCheck } from './service-checks.js';
import { ibbTransferCheck, proxyTransferCheck, uploadCheck } from './transfer-checks.js';

export { runChecks, formatResult, type CheckResult } from './runner.js';
export { closeClientState, type ClientDoctorState } from './client-state.js';
export { serverChecks } from './server-checks.js';
export type { ServerDoctorState } from './server-state.js';

export const clientChecks: readonly Check<ClientDoctorState>[] = [
  dnsCheck, // 1. SRV, A/AAAA
  tcpC2sCheck, // 2. TCP to c2s and direct TLS
  tcpDirectTlsCheck,
  certificateCheck, // 3. trusted, names the domain, not expiring
  loginCheck, // 4. SASL
  proxyServiceCheck, // 5. disco#items: proxy65 and upload
  uploadServiceCheck,
  socks5Check, // 6. SOCKS5 greeting to the advertised host:port (the NAT trap)
  proxyTransferCheck, // 7. loop-back transfers: SOCKS5 mediated, IBB
  ibbTransferCheck,
  uploadCheck, // 8. slot, PUT, GET
];
