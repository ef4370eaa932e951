// RFC 6120 §4.3.2: the features a client stream is offered, by negotiation stage.
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { PreAuthHooks } from './pre-auth-hooks.js';
import { SaslNegotiation } from './sasl-negotiation.js';

export interface FeatureContext {
  isAuthenticated: boolean;
  isSecure: boolean;
  canStartTls: boolean;
  requireTls: boolean;
  preAuth: PreAuthHooks;
}

export function streamFeatures(context: FeatureContext): Element {
  const features = xml('stream:features');
  if (context.isAuthenticated) {
    // §7 resource binding; RFC 3921 §3 session establishment, optional (RFC 6121 appendix E).
    features.cnode(xml('bind', { xmlns: NS.BIND }));
    features.cnode(xml('session', { xmlns: NS.SESSION }, xml('optional')));
    for (const feature of context.preAuth.postAuthFeatures()) features.cnode(feature);
    return features;
  }
  const { isSecure, canStartTls, requireTls } = context;
  if (canStartTls) features.cnode(xml('starttls', { xmlns: NS.TLS }, requireTls && xml('required')));
  if (isSecure || !requireTls) {
    features.cnode(SaslNegotiation.features(isSecure));
    for (const feature of context.preAuth.features()) features.cnode(feature);
  }
  return features;
}
