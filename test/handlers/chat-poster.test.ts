/**
 * The lean @connections poster: the request a local server actually receives (path, headers, body) carries the
 * signature an independent run of the SDK's signer computes for it, and errors carry the SDK's shape the
 * broadcaster classifies.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, escapeUri, signedPoster } from '../../src/runtime/chat/poster';


const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
const REGION = 'eu-west-1';

/** What the SDK's signer computes for the request as received (its signed headers, path and body). */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

async function sdkAuthorization(req: Received, credentials: Credentials = CREDENTIALS): Promise<string> {
  const signed = /SignedHeaders=([^,]+)/.exec(String(req.headers.authorization))![1].split(';');
  const headers = Object.fromEntries(signed.filter((h) => h !== 'x-amz-security-token').map((h) => [h, String(req.headers[h])]));
  const d = String(req.headers['x-amz-date']);
  const signingDate = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15)));
  const signer = new SignatureV4({ credentials, region: REGION, service: 'execute-api', sha256: NodeSha256, uriEscapePath: true });
  const out = await signer.sign({ method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: req.url, query: {}, headers, body: req.body }, { signingDate });
  return out.headers.authorization;
}

let server: http.Server;
let endpoint: string;
const received: Received[] = [];
let answer: (r: Received, res: http.ServerResponse) => void = (_r, res) => res.writeHead(200).end();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      answer(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

test('RFC 3986 escaping, as the SDK encodes labels', () => {
  expect(escapeUri("a+b=c/d!'()*@ é")).toBe('a%2Bb%3Dc%2Fd%21%27%28%29%2A%40%20%C3%A9');
});

test('posts are signed as the SDK signs them, for the path and body received, across messages', async () => {
  received.length = 0;
  answer = (_r, res) => res.writeHead(200).end();
  const post = signedPoster({ endpoint, region: () => REGION, credentials: async () => CREDENTIALS, maxSockets: 4 });
  await Promise.all(['L0SM9cOFvHcCIhw=', 'a+b/c', 'plain'].map((id) => post(id, Buffer.from(`{"to":"${id}"}`))));
  await post('again', Buffer.from('another message'));
  expect(received.map((r) => r.url).sort()).toEqual(['/prod/@connections/L0SM9cOFvHcCIhw%3D', '/prod/@connections/a%2Bb%2Fc', '/prod/@connections/again', '/prod/@connections/plain']);
  for (const r of received) {
    expect(r.headers.authorization).toBe(await sdkAuthorization(r));
    expect(r.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(r.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(r.body).digest('hex'));
  }
  expect(received.find((r) => r.url.endsWith('again'))!.body.toString()).toBe('another message');
});

test('errors carry the SDK shape: the error type header, else the status; network errors have no status', async () => {
  const post = signedPoster({ endpoint, region: () => REGION, credentials: async () => CREDENTIALS, maxSockets: 2 });
  const failure = async (fn: () => Promise<void>) => fn().then(() => undefined, (e) => ({ name: e.name, status: e.$metadata?.httpStatusCode }));
  answer = (_r, res) => res.writeHead(410, { 'x-amzn-errortype': 'GoneException:http://internal.amazon.com/coral/' }).end('{"message":"gone"}');
  expect(await failure(() => post('x', Buffer.from('m')))).toEqual({ name: 'GoneException', status: 410 });
  answer = (_r, res) => res.writeHead(403).end();
  expect(await failure(() => post('x', Buffer.from('m')))).toEqual({ name: 'ForbiddenException', status: 403 });
  answer = (_r, res) => res.writeHead(503).end();
  expect(await failure(() => post('x', Buffer.from('m')))).toEqual({ name: 'ApiGatewayManagementApiServiceException', status: 503 });
  answer = (_r, res) => res.writeHead(200).end();
  await expect(post('x', Buffer.from('m'))).resolves.toBeUndefined();
  const closed = signedPoster({ endpoint: 'http://127.0.0.1:1/prod', region: () => REGION, credentials: async () => CREDENTIALS, maxSockets: 1 });
  expect(await failure(() => closed('x', Buffer.from('m')))).toMatchObject({ status: undefined });
});

test('a kept-alive socket the server closed is replaced once, on a fresh socket', async () => {
  const post = signedPoster({ endpoint, region: () => REGION, credentials: async () => CREDENTIALS, maxSockets: 1 });
  const sockets = new Set<unknown>();
  let dropped = 0;
  answer = (r, res) => {
    const socket = res.socket!;
    if (r.body.toString() === 'second' && sockets.has(socket) && dropped++ === 0) return void socket.destroy();
    sockets.add(socket);
    res.writeHead(200).end();
  };
  await post('a', Buffer.from('first'));
  await expect(post('a', Buffer.from('second'))).resolves.toBeUndefined();
  expect(dropped).toBe(1);
  expect(sockets.size).toBe(2);
});
