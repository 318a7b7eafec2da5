/**
 * A throwaway Cognito user for one probe run: created with a password drawn here (never in a template, a log or
 * the probe's result), signed in with ADMIN_USER_PASSWORD_AUTH, deleted when the run ends. The access token stays
 * inside the probe: results carry status codes only.
 *
 * APIs: AdminCreateUser, AdminSetUserPassword, AdminInitiateAuth, AdminDeleteUser
 * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/).
 */
import { randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand, AdminDeleteUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

/** Which pool and app client sign the user in. */
export interface SignIn {
  readonly userPoolId: string;
  readonly clientId: string;
}

/** A password with every class Cognito's policy can require (upper, lower, digit, symbol) and 32 random bytes. */
export function drawPassword(): string {
  return `Aa1!${randomBytes(32).toString('base64url')}`;
}

/** Refuses anything but `{ userPoolId, clientId }` with id-shaped values. */
export function checkSignIn(signIn: unknown): asserts signIn is SignIn {
  if (!signIn || typeof signIn !== 'object') throw new Error('signIn must be { userPoolId, clientId }');
  for (const key of ['userPoolId', 'clientId']) {
    const value = (signIn as Record<string, unknown>)[key];
    if (typeof value !== 'string' || !/^[\w-]{1,128}$/.test(value)) throw new Error(`signIn.${key} must be an id`);
  }
}

/**
 * Runs `use(accessToken)` with a fresh user's access token and deletes the user afterwards, whatever `use` did.
 * `client` replaces the SDK client (tests point it at a local stand-in).
 */
export async function withUser<T>(signIn: unknown, use: (token: string) => Promise<T>, client?: CognitoIdentityProviderClient): Promise<T> {
  checkSignIn(signIn);
  const cognito = client ?? new CognitoIdentityProviderClient({});
  const Username = `probe-${randomBytes(6).toString('hex')}`;
  const UserPoolId = signIn.userPoolId;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId, Username, MessageAction: 'SUPPRESS' }));
  try {
    const Password = drawPassword();
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username, Password, Permanent: true }));
    const auth = await cognito.send(new AdminInitiateAuthCommand({
      UserPoolId,
      ClientId: signIn.clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: Username, PASSWORD: Password },
    }));
    const token = auth.AuthenticationResult?.AccessToken;
    if (!token) throw new Error(`sign-in returned no access token (challenge: ${auth.ChallengeName ?? 'none'})`);
    return await use(token);
  } finally {
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId, Username }));
  }
}
