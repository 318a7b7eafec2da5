/**
 * A local Cognito user pool for the probes' sign-in (test/integ/probes/signin.ts), on 127.0.0.1 port 0, speaking
 * the service's awsJson1_1 protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, errors named by
 * `__type`) so the real SDK client talks to it unchanged. It keeps the four admin operations' rules the probe
 * relies on: a user is created once (UsernameExistsException), a password is set before sign-in, sign-in checks
 * the pool, the client and the password (NotAuthorizedException) and answers an access token from `issue`, and
 * deleting removes the user (UserNotFoundException after).
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/** A call the stand-in received: the operation and the user it named (never the password). */
export interface CognitoCall {
  readonly operation: string;
  readonly username?: string;
}

export interface LocalCognito {
  readonly userPoolId: string;
  readonly clientId: string;
  /** An SDK client pointed at the stand-in (dummy credentials). */
  readonly client: CognitoIdentityProviderClient;
  readonly calls: CognitoCall[];
  /** Users that exist now, by name. */
  readonly users: Map<string, { sub: string; password?: string }>;
  /** Access tokens it answered (to check none leaks into a result). */
  readonly issued: string[];
  close(): Promise<void>;
}

class CognitoError extends Error {
  constructor(public readonly type: string, message: string, public readonly status: number = 400) {
    super(message);
  }
}

/**
 * Starts the stand-in of pool `userPoolId` with app client `clientId`; `issue(sub, clientId)` makes the access
 * token a sign-in answers (tests sign it with their local issuer, so the local front accepts it).
 */
export async function startLocalCognito(issue: (sub: string, clientId: string) => string, userPoolId: string = 'us-east-1_local', clientId: string = 'chat'): Promise<LocalCognito> {
  const calls: CognitoCall[] = [];
  const users: LocalCognito['users'] = new Map();
  const issued: string[] = [];
  const userOf = (input: any) => {
    if (input.UserPoolId !== userPoolId) throw new CognitoError('ResourceNotFoundException', 'User pool does not exist.');
    const user = users.get(String(input.Username));
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    return user;
  };
  const operations: Record<string, (input: any) => unknown> = {
    AdminCreateUser: (input) => {
      if (input.UserPoolId !== userPoolId) throw new CognitoError('ResourceNotFoundException', 'User pool does not exist.');
      if (users.has(input.Username)) throw new CognitoError('UsernameExistsException', 'User account already exists');
      const sub = randomUUID();
      users.set(input.Username, { sub });
      return { User: { Username: input.Username, UserStatus: 'FORCE_CHANGE_PASSWORD', Attributes: [{ Name: 'sub', Value: sub }] } };
    },
    AdminSetUserPassword: (input) => {
      userOf(input).password = String(input.Password);
      return {};
    },
    AdminInitiateAuth: (input) => {
      const username = input.AuthParameters?.USERNAME;
      const user = userOf({ UserPoolId: input.UserPoolId, Username: username });
      if (input.ClientId !== clientId) throw new CognitoError('ResourceNotFoundException', 'User pool client does not exist.');
      if (input.AuthFlow !== 'ADMIN_USER_PASSWORD_AUTH' || !user.password || input.AuthParameters?.PASSWORD !== user.password) {
        throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
      }
      const token = issue(user.sub, clientId);
      issued.push(token);
      return { AuthenticationResult: { AccessToken: token, ExpiresIn: 3600, TokenType: 'Bearer' }, ChallengeParameters: {} };
    },
    AdminDeleteUser: (input) => {
      userOf(input);
      users.delete(input.Username);
      return {};
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSCognitoIdentityProviderService\./, '');
      const reply = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        calls.push({ operation, username: input.Username ?? input.AuthParameters?.USERNAME });
        const run = operations[operation];
        if (!run) throw new CognitoError('UnknownOperationException', `${operation} is not served here`);
        reply(200, run(input));
      } catch (e) {
        const error = e instanceof CognitoError ? e : new CognitoError('InternalErrorException', 'internal error', 500);
        reply(error.status, { __type: error.type, message: error.message });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return {
    userPoolId,
    clientId,
    client,
    calls,
    users,
    issued,
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
