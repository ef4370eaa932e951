// What the admin API and pages share: the module context, who the administrators are, the login
// sessions, the log ring, and the audit line every change writes.
import type { ModuleContext } from '../../core/module.js';
import type { LogRing } from '../../core/logger.js';
import type { AdminLogin } from './admin-login.js';
import type { AdminSession, AdminSessions } from './admin-sessions.js';

export interface AdminContext {
  readonly ctx: ModuleContext;
  /** The console's path, without a trailing slash ('/admin'). */
  readonly path: string;
  /** Prepared bare JIDs. */
  readonly admins: ReadonlySet<string>;
  readonly sessions: AdminSessions;
  readonly login: AdminLogin;
  readonly logs: LogRing;
  /** An audit line: who did what to what (never a password). */
  audit(session: AdminSession | string, action: string, target: string, details?: Record<string, unknown>): void;
}

export function auditLogger(ctx: ModuleContext): AdminContext['audit'] {
  return (session, action, target, details = {}) => {
    const admin = typeof session === 'string' ? session : session.jid;
    ctx.logger.info({ audit: true, admin, action, target, ...details }, `admin ${action} ${target}`);
  };
}
