/**
 * A local OpenID-style token issuer on 127.0.0.1 over HTTPS (a throwaway certificate that the local functions
 * trust through NODE_EXTRA_CA_CERTS): it serves its JWKS at `{issuer}.well-known/jwks.json` and signs RS256
 * tokens with Node's crypto (test/handlers/support/jwt.ts).
 */
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { KeyMaterial, rsaKey, sign } from '../../handlers/support/jwt';
import { LoopbackCertificate, loopbackCertificate } from '../tls';

export interface LocalIssuer {
  /** `https://127.0.0.1:{port}/` (the `iss` claim). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The CA certificate file functions must trust. */
  readonly certFile: string;
  readonly key: KeyMaterial;
  /** JWKS requests served. */
  readonly requests: () => number;
  /** A token for `sub` with `claims` (aud, scope, ...), valid for `ttlSeconds`. */
  token(sub: string, claims?: Record<string, unknown>, ttlSeconds?: number): string;
  close(): Promise<void>;
}

export async function startLocalIssuer(port: number = 0): Promise<LocalIssuer> {
  const key = rsaKey();
  const tls: LoopbackCertificate = loopbackCertificate();
  let requests = 0;
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    requests += 1;
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    issuer,
    jwksUri: `${issuer}.well-known/jwks.json`,
    certFile: tls.certFile,
    key,
    requests: () => requests,
    token: (sub, claims = {}, ttlSeconds = 600) => {
      const now = Math.floor(Date.now() / 1000);
      return sign({ iss: issuer, sub, iat: now, exp: now + ttlSeconds, ...claims }, key);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      tls.dispose();
    },
  };
}
