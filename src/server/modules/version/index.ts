// XEP-0092: Software Version.
import { z } from 'zod';
import { NS } from '@ferry/protocol/namespaces';
import { xml } from '@ferry/protocol/xml/element';
import { FERRY_VERSION } from '../../../version.js';
import { defineModule } from '../../core/module.js';

export default defineModule({
  name: 'version',
  spec: { xep: 92, version: '1.1', status: 'complete' },
  depends: ['disco'],
  options: z.strictObject({
    /** Hide the OS from curious peers unless asked. */
    show_os: z.boolean().default(false),
  }),
  setup(ctx, options) {
    ctx.require('disco').addFeature(NS.VERSION);
    ctx.onIq({ type: 'get', to: 'host', child: [NS.VERSION, 'query'] }, () =>
      xml(
        'query',
        { xmlns: NS.VERSION },
        xml('name', null, 'Ferry'),
        xml('version', null, FERRY_VERSION),
        options.show_os && xml('os', null, `${process.platform} ${process.arch}; Node.js ${process.version}`),
      ),
    );
  },
});
