// XEP-0077: In-Band Registration — off by default (open registration invites spam). When on:
// account creation before authentication, and password change / account removal after.
import { z } from 'zod';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { Jid } from '@ferry/protocol/jid';
import { defineModule } from '../../core/module.js';
import { AccountExistsError } from '../../storage/types.js';

export default defineModule({
  name: 'register',
  spec: { xep: 77, version: '2.4', status: 'partial', note: 'off by default; no data forms, no CAPTCHA' },
  enabledByDefault: false,
  depends: ['disco'],
  options: z.strictObject({
    /** Allow creating accounts before authentication. Password change/removal work either way. */
    allow_registration: z.boolean().default(true),
    min_password_length: z.number().int().min(1).default(8),
    instructions: z.string().default('Choose a username and password for this server.'),
  }),
  setup(ctx, options) {
    const accounts = ctx.storage.accounts;
    const form = () =>
      xml(
        'query',
        { xmlns: NS.REGISTER },
        xml('instructions', null, options.instructions),
        xml('username'),
        xml('password'),
      );

    const readFields = (payload: Element) => {
      const username = payload.getChildText('username')?.trim() ?? '';
      const password = payload.getChildText('password') ?? '';
      if (!username || !password)
        throw new StanzaError('not-acceptable', { text: 'username and password are required' });
      const jid = Jid.tryParse(`${username}@${ctx.domain}`);
      if (!jid) throw new StanzaError('jid-malformed', { text: 'invalid username' });
      if (password.length < options.min_password_length) {
        throw new StanzaError('not-acceptable', {
          text: `passwords need ${options.min_password_length} characters or more`,
        });
      }
      return { username: jid.local, password };
    };

    if (options.allow_registration) {
      ctx.onTeardown(ctx.preAuth.addFeature(xml('register', { xmlns: NS.REGISTER_FEATURE })));
      ctx.onTeardown(
        ctx.preAuth.addIq(NS.REGISTER, async (iq, payload) => {
          if (iq.attrs.type === 'get') return form();
          if (iq.attrs.type !== 'set') throw new StanzaError('bad-request');
          const { username, password } = readFields(payload);
          try {
            await accounts.create(username, password);
          } catch (error) {
            if (error instanceof AccountExistsError) throw new StanzaError('conflict', { text: 'username taken' });
            throw error;
          }
          ctx.logger.info({ user: username }, 'account registered in-band');
          return null;
        }),
      );
    }

    ctx.onIq({ type: 'get', to: ['bare', 'host'], child: [NS.REGISTER, 'query'] }, (iq) => {
      if (iq.address === 'bare' && !iq.isSelf) throw new StanzaError('forbidden');
      return xml('query', { xmlns: NS.REGISTER }, xml('registered'), xml('username', null, iq.from.local));
    });
    ctx.onIq({ type: 'set', to: ['bare', 'host'], child: [NS.REGISTER, 'query'] }, async (iq) => {
      if (iq.address === 'bare' && !iq.isSelf) throw new StanzaError('forbidden');
      const username = iq.from.local;
      if (iq.payload.getChild('remove')) {
        if (await accounts.delete(username)) ctx.events.emit('account-deleted', username);
        ctx.logger.info({ user: username }, 'account removed in-band');
        // XEP-0077 §3.2: the result first, then every session of the account ends.
        setImmediate(() => {
          for (const session of ctx.sessions.resources(iq.from.bare())) {
            ctx.sessions.close(session, new StreamError('not-authorized', 'account removed'));
          }
        });
        return null;
      }
      const fields = readFields(iq.payload);
      if (fields.username !== username) throw new StanzaError('bad-request', { text: 'that is not your username' });
      await accounts.setPassword(username, fields.password);
      return null;
    });
    ctx.require('disco').addFeature(NS.REGISTER);
  },
});
