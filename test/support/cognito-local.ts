/**
 * A local stand-in for the Amazon Cognito user-pool calls the integration tests' probes make to sign a throwaway
 * user in (awsJson1_1: POST / with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`): AdminCreateUser,
 * AdminSetUserPassword, AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH), AdminDeleteUser, with the error shapes
 * Cognito answers (`__type` UsernameExistsException, UserNotFoundException, NotAuthorizedException). API Gateway's
 * key calls have their own stand-in (test/e2e/support/monetized-aws-stub.ts).
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

/**
 * An SDK client's configuration for a local stand-in at `endpoint`: one attempt (a test sees the stand-in's answer,
 * not a retry of it) over a new connection per request. With one attempt, a kept-alive socket is a race: Node's
 * server closes an idle one after 5 s (`keepAliveTimeout`), and a request sent on it at that moment fails with
 * "socket hang up" (seen once in a loaded run).
 */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1, requestHandler: { httpAgent: new http.Agent({ keepAlive: false }) } };
}

/** A started stand-in: its calls (operation names, in order), its client, and `close()`. */
export interface LocalCognito {
  readonly calls: string[];
  /** Users by pool/name with their password (the stand-in's own state). */
  readonly users: Map<string, { password?: string }>;
  readonly cognito: CognitoIdentityProviderClient;
  close(): Promise<void>;
}

/** Options: the token AdminInitiateAuth returns for a user. */
export interface LocalCognitoOptions {
  readonly tokenFor?: (username: string) => string;
  /** AdminInitiateAuth answers NotAuthorizedException whatever the password. */
  readonly refuseSignIn?: boolean;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

function cognito(op: string, input: any, state: LocalCognito, options: LocalCognitoOptions): [number, unknown] {
  const key = `${input.UserPoolId}/${input.Username ?? input.AuthParameters?.USERNAME}`;
  const user = state.users.get(key);
  switch (op) {
    case 'AdminCreateUser':
      if (user) return [400, { __type: 'UsernameExistsException', message: 'User account already exists' }];
      state.users.set(key, {});
      return [200, { User: { Username: input.Username, UserStatus: 'FORCE_CHANGE_PASSWORD' } }];
    case 'AdminSetUserPassword':
      if (!user) return [400, { __type: 'UserNotFoundException', message: 'User does not exist.' }];
      user.password = input.Password;
      return [200, {}];
    case 'AdminInitiateAuth':
      if (options.refuseSignIn || input.AuthFlow !== 'ADMIN_USER_PASSWORD_AUTH' || !user || user.password !== input.AuthParameters?.PASSWORD) {
        return [400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }];
      }
      return [200, { AuthenticationResult: { AccessToken: (options.tokenFor ?? ((u) => `token-of-${u}`))(input.AuthParameters.USERNAME), TokenType: 'Bearer', ExpiresIn: 3600 } }];
    case 'AdminDeleteUser':
      if (!user) return [400, { __type: 'UserNotFoundException', message: 'User does not exist.' }];
      state.users.delete(key);
      return [200, {}];
    default:
      return [400, { __type: 'UnknownOperationException' }];
  }
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startLocalCognito(options: LocalCognitoOptions = {}): Promise<LocalCognito> {
  const calls: string[] = [];
  const users = new Map<string, { password?: string }>();
  const state = { calls, users } as unknown as LocalCognito;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method === 'POST' && target.startsWith('AWSCognitoIdentityProviderService.')) {
        const op = target.split('.')[1];
        calls.push(op);
        const [status, body] = cognito(op, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), state, options);
        send(res, status, body);
        return;
      }
      send(res, 400, { __type: 'UnknownOperationException' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    cognito: new CognitoIdentityProviderClient(localClientConfig(endpoint)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
