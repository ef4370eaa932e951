// Minimal typings for @xmpp/client 0.14 (it ships none): only what Ferry uses.
declare module '@xmpp/client' {
  import type { Element } from 'ltx';

  export interface JID {
    local: string;
    domain: string;
    resource: string;
    toString(): string;
    bare(): JID;
  }

  export interface ClientOptions {
    service?: string;
    domain?: string;
    username?: string;
    password?: string;
    resource?: string;
    credentials?: unknown;
    timeout?: number;
  }

  export interface IqCaller {
    request(element: Element, timeout?: number): Promise<Element>;
    get(element: Element, to?: string, timeout?: number): Promise<Element>;
    set(element: Element, to?: string, timeout?: number): Promise<Element>;
  }

  export interface IqCallee {
    get(ns: string, name: string, handler: (context: { stanza: Element; element: Element }) => unknown): void;
    set(ns: string, name: string, handler: (context: { stanza: Element; element: Element }) => unknown): void;
  }

  export interface Client {
    jid: JID | null;
    status: string;
    reconnect: { stop(): void; start(): void };
    iqCaller: IqCaller;
    iqCallee: IqCallee;
    start(): Promise<JID>;
    stop(): Promise<void>;
    send(...elements: Element[]): Promise<void>;
    write(data: string): Promise<void>;
    on(event: 'stanza', listener: (stanza: Element) => void): this;
    on(event: 'online', listener: (address: JID) => void): this;
    on(event: 'offline' | 'disconnect', listener: () => void): this;
    on(event: 'error', listener: (error: Error & { condition?: string }) => void): this;
    on(event: 'element' | 'nonza', listener: (element: Element) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
    once(event: string, listener: (...args: never[]) => void): this;
  }

  /**
   * xmpp.js 0.14 internals that Ferry's connect() drives to hand over a socket it opened itself
   * (src/connection.ts adoptSocket); not part of xmpp.js's documented API.
   */
  export interface ClientInternals {
    connect(service: string): Promise<void>;
    _findTransport(service: string): TransportClass | undefined;
    _status(status: string, ...args: unknown[]): void;
    _attachSocket(socket: TransportSocket): void;
    Transport: TransportClass;
    Socket: new () => TransportSocket;
    Parser: unknown;
  }
  export interface TransportSocket {
    _attachSocket(socket: unknown): void;
    url?: string | null;
    secure: boolean;
  }
  export interface TransportClass {
    prototype: { Socket: new () => TransportSocket; Parser: unknown };
  }

  export function client(options?: ClientOptions): Client;
  export function xml(name: string, attrs?: Record<string, unknown> | null, ...children: unknown[]): Element;
  export function jid(address: string): JID;
}
