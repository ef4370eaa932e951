// XEP-0199: XMPP Ping — the server and accounts answer; pings to a full JID are routed.
import { NS } from '@ferry/protocol/namespaces';
import { defineModule } from '../../core/module.js';

export default defineModule({
  name: 'ping',
  spec: { xep: 199, version: '2.0.1', status: 'complete' },
  depends: ['disco'],
  setup(ctx) {
    ctx.require('disco').addFeature(NS.PING);
    ctx.onIq({ type: 'get', to: ['host', 'bare'], child: [NS.PING, 'ping'] }, () => null);
  },
});
