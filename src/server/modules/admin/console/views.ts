// What the pages show, as plain values: the API's handlers build them, the pages render them.
import type { Services } from '../../../core/services.js';
import type { SettingView } from '../../../core/settings-service.js';

/** The http_upload service's effective limits (nothing secret). */
type UploadSettings = Services['http_upload']['settings'];

export interface UserView {
  name: string;
  jid: string;
  isAdmin: boolean;
  /** Bound sessions (resources) right now. */
  sessions: number;
  /** Stored uploads and their bytes; absent when HTTP upload is off. */
  uploads?: { count: number; bytes: number };
}

/** One page of accounts, in name order. */
export interface UsersPage {
  users: UserView[];
  /** The `after` for the next page; absent on the last one. */
  next?: string;
}

export interface UploadView {
  id: string;
  owner: string;
  name: string;
  size: number;
  contentType: string;
  created: number;
  expires?: number;
}

export interface EffectiveSettings {
  proxy:
    | { enabled: false }
    | {
        enabled: true;
        /** False while switched off from the console or the CLI (modules.proxy65.active). */
        isActive: boolean;
        jid: string;
        listening: { host: string; port: number };
        advertised: { host: string; port: number };
        acl: 'local' | 'any' | readonly string[];
        bandwidthBytesPerSecond: number;
      };
  upload: { enabled: false } | ({ enabled: true; jid: string; storedBytes: number } & UploadSettings);
  /** What can be changed live, each with where its value comes from; empty without the settings service. */
  settings: SettingView[];
}
