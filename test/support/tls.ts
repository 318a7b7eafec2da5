/** A throwaway self-signed certificate for 127.0.0.1, for local HTTPS stand-ins (child processes trust it via NODE_EXTRA_CA_CERTS). */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LoopbackCertificate {
  readonly dir: string;
  readonly certFile: string;
  readonly key: Buffer;
  readonly cert: Buffer;
  dispose(): void;
}

export function loopbackCertificate(): LoopbackCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return {
    dir,
    certFile,
    key: fs.readFileSync(keyFile),
    cert: fs.readFileSync(certFile),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `script` in a child Node.js process with `env`; resolves to what it printed after the marker `RESULT`. */
export async function runChild(script: string, env: Record<string, string>): Promise<any> {
  const child = spawn(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  await new Promise((resolve) => child.on('close', resolve));
  const marker = stdout.indexOf('RESULT');
  if (marker < 0) throw new Error(`child run failed: ${stderr.slice(0, 2000)}`);
  return JSON.parse(stdout.slice(marker + 'RESULT'.length));
}

/**
 * A stand-in for the pre-signed S3 URL a CloudFormation custom resource answers to: HTTPS on loopback with `tls`,
 * every response body parsed and pushed to `responses`. Listening on a free port once `listen`ed.
 */
export function cloudFormationResponseServer(tls: LoopbackCertificate, responses: unknown[]): https.Server {
  return https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
}

/** Starts each server on a free loopback port. */
export async function listenAll(servers: readonly net.Server[]): Promise<void> {
  for (const s of servers) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
}

/** Closes each HTTP(S) server and its open connections, then removes the certificate's files. */
export async function closeAll(servers: readonly http.Server[], tls: LoopbackCertificate): Promise<void> {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  tls.dispose();
}
