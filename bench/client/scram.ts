// RFC 5802 SCRAM-SHA-1, client side, for the load generator. The salted password is cached per
// (password, salt, iterations), as RFC 5802 §5.1 allows clients to do, so a login costs the client
// a few HMACs and the login benchmark measures the server, not the client's PBKDF2.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

const saltedCache = new Map<string, Buffer>();

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha1', key).update(data).digest();
}

/** RFC 5802 §5.1: "=" and "," in the username are escaped. */
function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export class ScramSha1Client {
  readonly #username: string;
  readonly #password: string;
  readonly #clientNonce = randomBytes(18).toString('base64');
  #clientFirstBare = '';
  #serverSignature: Buffer | undefined;

  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  /** The initial response, base64 for <auth/>. */
  start(): string {
    this.#clientFirstBare = `n=${saslName(this.#username)},r=${this.#clientNonce}`;
    return Buffer.from(`n,,${this.#clientFirstBare}`).toString('base64');
  }

  /**
   * Answers the server-first-message (base64 from <challenge/>) with client-final (base64). The
   * first login of an account runs PBKDF2 on libuv's thread pool, so many first logins use every core.
   */
  async respond(challengeBase64: string): Promise<string> {
    const serverFirst = Buffer.from(challengeBase64, 'base64').toString('utf8');
    const fields = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (!nonce?.startsWith(this.#clientNonce) || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error(`SCRAM: bad server-first-message "${serverFirst}"`);
    }
    const cacheKey = `${this.#password}\u0000${salt}\u0000${iterations}`;
    let salted = saltedCache.get(cacheKey);
    if (!salted) {
      salted = await pbkdf2Async(this.#password, Buffer.from(salt, 'base64'), iterations, 20, 'sha1');
      saltedCache.set(cacheKey, salted);
    }
    const clientFinalWithoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha1').update(clientKey).digest();
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i += 1) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`).toString('base64');
  }

  /** Checks the server-final-message (base64 from <success/>): the server knew the password too. */
  verify(successBase64: string): void {
    const serverFinal = Buffer.from(successBase64, 'base64').toString('utf8');
    const signature = /(?:^|,)v=([^,]+)/.exec(serverFinal)?.[1];
    if (!signature || !this.#serverSignature) throw new Error(`SCRAM: no server signature in "${serverFinal}"`);
    const received = Buffer.from(signature, 'base64');
    if (received.length !== this.#serverSignature.length || !timingSafeEqual(received, this.#serverSignature)) {
      throw new Error('SCRAM: wrong server signature');
    }
  }
}
