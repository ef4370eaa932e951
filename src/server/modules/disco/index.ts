// XEP-0030: Service Discovery. Replies are derived from what modules register: each module adds
// its features; components (proxy.<domain>) add a host with its identity and become items of the
// server's domain.
import { z } from 'zod';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { formType, type DataForm } from '@ferry/protocol/payloads/data-form';
import {
  assertExtensionForm,
  encodeDiscoInfo,
  encodeDiscoItems,
  type DiscoIdentity,
  type DiscoItem,
} from '@ferry/protocol/payloads/disco';
import { defineModule } from '../../core/module.js';
import type { IqRequest } from '../../core/routing-types.js';

export interface DiscoHost {
  identities: DiscoIdentity[];
  features: Set<string>;
  /** XEP-0128 extension forms, one per FORM_TYPE. */
  forms: DataForm[];
}

export interface DiscoService {
  /** A feature of the server's domain. */
  addFeature(feature: string): void;
  /** A feature every account's bare JID answers for (XEP-0030 §… on behalf of the account). */
  addAccountFeature(feature: string): void;
  /** XEP-0128: an extension form on the server's disco#info (build it with extensionForm()). */
  addServerForm(form: DataForm): void;
  /**
   * A component domain with its own disco#info (optionally with XEP-0128 forms, e.g. HTTP
   * upload's max-file-size), listed in the server's disco#items.
   */
  addComponent(
    domain: string,
    info: { name: string; identities: DiscoIdentity[]; features: string[]; forms?: DataForm[] },
  ): DiscoComponent;
}

/** A component's entry, changed while it runs (the admin console's settings). */
export interface DiscoComponent {
  /** False: gone from the server's disco#items (a proxy switched off), so clients stop using it. */
  setListed(isListed: boolean): void;
  /** Replaces its XEP-0128 forms (HTTP upload's max-file-size). */
  setForms(forms: readonly DataForm[]): void;
}

declare module '../../core/services.js' {
  interface Services {
    disco: DiscoService;
  }
}

export default defineModule({
  name: 'disco',
  spec: { xep: 30, version: '2.5rc3', status: 'complete', note: 'info and items; derived from loaded modules' },
  options: z.strictObject({
    /** The server's advertised name in its identity. */
    name: z.string().default('Ferry'),
  }),
  setup(ctx, options) {
    const server: DiscoHost = {
      identities: [{ category: 'server', type: 'im', name: options.name }],
      features: new Set<string>([NS.DISCO_INFO, NS.DISCO_ITEMS]),
      forms: [],
    };
    const accountFeatures = new Set<string>([NS.DISCO_INFO, NS.DISCO_ITEMS]);
    const items: DiscoItem[] = [];

    const info = (host: DiscoHost) => (iq: IqRequest) => {
      rejectNode(iq);
      return encodeDiscoInfo({ identities: host.identities, features: [...host.features].sort(), forms: host.forms });
    };
    ctx.onIq({ type: 'get', to: 'host', child: [NS.DISCO_INFO, 'query'] }, info(server));
    ctx.onIq({ type: 'get', to: 'host', child: [NS.DISCO_ITEMS, 'query'] }, (iq) => {
      rejectNode(iq);
      return encodeDiscoItems({ items });
    });
    // An account answers for itself through its server (XEP-0030 §… "account" identities); only
    // the account holder and its contacts see details, others get the same minimal identity.
    const assertAccount = async (iq: IqRequest) => {
      if (!iq.to || !(await ctx.storage.accounts.exists(iq.to.local))) throw new StanzaError('service-unavailable');
    };
    ctx.onIq({ type: 'get', to: 'bare', child: [NS.DISCO_INFO, 'query'] }, async (iq) => {
      rejectNode(iq);
      await assertAccount(iq);
      return encodeDiscoInfo({
        identities: [{ category: 'account', type: 'registered' }],
        features: [...accountFeatures].sort(),
      });
    });
    ctx.onIq({ type: 'get', to: 'bare', child: [NS.DISCO_ITEMS, 'query'] }, async (iq) => {
      rejectNode(iq);
      await assertAccount(iq);
      return encodeDiscoItems({ items: [] });
    });

    ctx.provide('disco', {
      addFeature: (feature) => server.features.add(feature),
      addAccountFeature: (feature) => accountFeatures.add(feature),
      addServerForm: (form) => addForm(server, form),
      addComponent(domain, component) {
        const host: DiscoHost = {
          identities: component.identities,
          features: new Set<string>([NS.DISCO_INFO, ...component.features]),
          forms: [],
        };
        for (const form of component.forms ?? []) addForm(host, form);
        ctx.onIq({ type: 'get', to: 'host', host: domain, child: [NS.DISCO_INFO, 'query'] }, info(host));
        ctx.onIq({ type: 'get', to: 'host', host: domain, child: [NS.DISCO_ITEMS, 'query'] }, (iq) => {
          rejectNode(iq);
          return encodeDiscoItems({ items: [] });
        });
        const item: DiscoItem = { jid: domain, name: component.name };
        items.push(item);
        return {
          setListed(isListed) {
            const index = items.indexOf(item);
            if (isListed && index === -1) items.push(item);
            if (!isListed && index !== -1) items.splice(index, 1);
          },
          setForms(forms) {
            const previous = host.forms.splice(0);
            try {
              for (const form of forms) addForm(host, form);
            } catch (error) {
              host.forms.splice(0, host.forms.length, ...previous);
              throw error;
            }
          },
        };
      },
    });
  },
});

/** Checked when added, so a bad form fails start-up rather than every disco#info answer. */
function addForm(host: DiscoHost, form: DataForm): void {
  assertExtensionForm(form);
  const type = formType(form);
  // XEP-0128 §3 (and XEP-0115 §5.4): at most one form per FORM_TYPE.
  if (host.forms.some((other) => formType(other) === type)) {
    throw new Error(`disco#info already has an extension form of FORM_TYPE ${type ?? ''}`);
  }
  host.forms.push(form);
}

function rejectNode(iq: IqRequest): void {
  if (iq.payload.attrs.node !== undefined) throw new StanzaError('item-not-found', { text: 'no such node' });
}
