/** A throwaway self-signed certificate for 127.0.0.1, for local HTTPS stand-ins (child processes trust it via NODE_EXTRA_CA_CERTS). */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
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
