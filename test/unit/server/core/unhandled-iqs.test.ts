// What no module answers is logged so operators see what clients ask for, without a line per request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnhandledIqLog } from '../../../../src/server/core/unhandled-iqs.js';
import { Router } from '../../../../src/server/core/router.js';
import { LocalSessionDirectory } from '../../../../src/server/core/sessions.js';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { captureLogs, LEVEL } from '../../../helpers/log-capture.js';

const vcard = { ns: 'vcard-temp', name: 'vCard', type: 'get', to: 'localhost', from: 'alice@localhost/a' };
const carbons = { ns: 'urn:xmpp:carbons:2', name: 'enable', type: 'set', to: 'localhost', from: 'alice@localhost/a' };

describe('unhandled IQ log', () => {
  it('logs each namespace at info once a minute', () => {
    const { logger, lines } = captureLogs('info');
    let now = 0;
    const log = new UnhandledIqLog(logger, () => now);
    log.record(vcard);
    log.record(vcard);
    log.record(carbons);
    now = 59_999;
    log.record(vcard);
    now = 60_000;
    log.record(vcard);
    assert.deepEqual(
      lines.map((line) => [line.level, line.ns]),
      [
        [LEVEL.info, 'vcard-temp'],
        [LEVEL.info, 'urn:xmpp:carbons:2'],
        [LEVEL.info, 'vcard-temp'],
      ],
    );
    assert.match(lines[0]!.msg, /no module answers/);
  });

  it('logs every one at debug, with who asked', () => {
    const { logger, lines } = captureLogs('debug');
    const log = new UnhandledIqLog(logger, () => 0);
    log.record(vcard);
    log.record(vcard);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.level, LEVEL.debug);
    assert.equal(lines[1]!.from, 'alice@localhost/a');
  });

  it('is what the router does for an IQ it answers service-unavailable, but not for one it forwards', () => {
    const { logger, lines } = captureLogs('info');
    const sessions = new LocalSessionDirectory();
    const router = new Router({ domain: 'localhost', sessions, logger });
    router.route(
      parseElement("<iq type='get' id='1' from='alice@localhost/a' to='localhost'><vCard xmlns='vcard-temp'/></iq>")!,
      undefined,
    );
    router.route(
      parseElement("<iq type='get' id='2' from='alice@localhost/a' to='bob@localhost/gone'><x xmlns='urn:x'/></iq>")!,
      undefined,
    );
    assert.deepEqual(
      lines.map((line) => line.ns),
      ['vcard-temp'],
    );
  });
});
