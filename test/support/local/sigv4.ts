/**
 * Checks AWS Signature Version 4 on requests the local stand-ins receive: the `Authorization` header must be
 * `AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/aws4_request, SignedHeaders=..., Signature=...`
 * for the expected service and region, signed with a key the stand-ins issued (each local function gets its
 * own), and the signature must match the one the SDK's own signer (@smithy/signature-v4) computes over the
 * same request. Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html.
 */
import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256';

/** A credential the stand-ins issued, and whose it is. */
export interface IssuedCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Who signs with it (a function's logical path), for messages. */
  readonly owner: string;
  /** The IAM role whose policies apply. */
  readonly roleKey?: string;
}

/** The outcome: the signer, or why the request is refused (API Gateway answers 403 then). */
export type SignatureCheck = { readonly credential: IssuedCredential } | { readonly refused: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Verifies the signature of `req` (with its `body`) for `service` in `region`. */
export async function checkSignature(
  req: http.IncomingMessage,
  body: Buffer,
  expected: { readonly service: string; readonly region: string },
  credentials: ReadonlyMap<string, IssuedCredential>,
): Promise<SignatureCheck> {
  const header = req.headers.authorization;
  if (!header) return { refused: 'Missing Authentication Token' };
  const m = AUTHORIZATION.exec(header);
  if (!m) return { refused: 'Authorization header is not a SigV4 signature' };
  const [, keyId, , region, service, signedHeaders, signature] = m;
  if (service !== expected.service || region !== expected.region) return { refused: `Credential should be scoped to ${expected.region}/${expected.service}, not ${region}/${service}` };
  const credential = credentials.get(keyId);
  if (!credential) return { refused: `The security token included in the request is invalid (unknown key ${keyId})` };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return { refused: 'x-amz-date is missing or malformed' };
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) return { refused: 'Signature expired' };
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = req.headers[name];
    if (value === undefined) return { refused: `signed header ${name} is missing` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  if (headers['x-amz-security-token'] !== undefined && headers['x-amz-security-token'] !== credential.sessionToken) {
    return { refused: 'The security token included in the request is invalid' };
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? ([] as string[]).concat(query[k], v) : v;
  const signer = new SignatureV4({
    service,
    region,
    // Only what the caller signed goes into the canonical request: the token header if it signed it, no added
    // payload-hash header.
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      sessionToken: 'x-amz-security-token' in headers ? credential.sessionToken : undefined,
    },
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const [hostname, port] = String(req.headers.host ?? '').split(':');
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname, port: port ? Number(port) : undefined, path: url.pathname, query, headers, body },
    { signingDate, signableHeaders: new Set(signedHeaders.split(';')), unsignableHeaders: new Set() },
  );
  const ours = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (ours.length !== signature.length || !timingSafeEqual(Buffer.from(ours), Buffer.from(signature))) {
    return { refused: 'The request signature we calculated does not match the signature you provided' };
  }
  return { credential };
}
