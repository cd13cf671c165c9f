import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './local-server.ts';

/**
 * A local stand-in for the Bot Framework's token signing: an OpenID metadata document and a JWKS
 * (what https://login.botframework.com/v1/.well-known/openidconfiguration serves), and tokens
 * signed the way the Bot Connector signs its calls to a bot (RS256, issuer https://api.botframework.com,
 * audience = the bot's app id, a `serviceurl` claim, keys endorsed for the channel).
 */
export class FakeBotFrameworkIssuer {
  readonly kid = 'test-signing-key';
  private readonly privateKey: KeyObject;
  private server?: Server;
  url = '';

  constructor() {
    this.privateKey = createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  }

  get metadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  async start(): Promise<this> {
    const jwk = createPublicKey(this.privateKey).export({ format: 'jwk' });
    this.server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${this.url}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] }));
      } else if (req.url === '/v1/keys') {
        res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** A token as the connector would send it; `claims` override the defaults, `key` signs with another key. */
  token(claims: Record<string, unknown>, options: { key?: KeyObject; kid?: string } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: options.kid ?? this.kid };
    const payload = { iss: 'https://api.botframework.com', nbf: now - 60, exp: now + 3600, ...claims };
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${encode(header)}.${encode(payload)}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), options.key ?? this.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }
}

export function otherKey(): KeyObject {
  return createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
}
