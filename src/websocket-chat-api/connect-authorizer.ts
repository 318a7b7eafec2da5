/**
 * The `$connect` authorizer of WebSocketChatApi and the identity kind its handlers read. Internal.
 *
 * API Gateway evaluates a WebSocket REQUEST authorizer's identity sources before invoking it: when any of them is
 * missing or empty it answers 401 and never calls the function
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html,
 * AWS::ApiGatewayV2::Authorizer IdentitySource). So the JWT authorizer gets exactly ONE identity source, the
 * token's documented location (ChatTokenSource), and is configured to read the token from that location only.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct } from 'constructs';
import { ChatTokenSource } from './options';
import { bindJwtAuthorizerFunction } from '../authorizers/jwt-function';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { FunctionHardening } from '../core/private/functions';
import { checkPattern, fail, warn } from '../core/private/validation';
import { IdentityKind } from '../runtime/chat/contract';

/** Header and query-string names an identity source accepts (`route.request.header|querystring.[a-zA-Z0-9._-]+`). */
const SOURCE_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const IDENTITY_SOURCE = /^route\.request\.(?:header|querystring)\.[A-Za-z0-9._-]{1,128}$/;

export interface ConnectAuthorization {
  readonly authorizer?: apigwv2.IWebSocketRouteAuthorizer;
  readonly identity: IdentityKind;
  /** The identity sources API Gateway requires before invoking the authorizer. */
  readonly identitySources: string[];
}

/** The identity source for a JWT token source (validated). */
export function jwtIdentitySource(
  scope: Construct,
  auth: ApiAuthorization,
  source: ChatTokenSource,
): { readonly identitySource: string; readonly tokenQuery?: string } {
  const headerName = auth.jwtOptions?.headerName ?? 'Authorization';
  if (source.location === 'querystring') {
    checkPattern(scope, 'tokenSource', source.name, SOURCE_NAME, 'a query-string parameter must be 1-128 letters, digits, ".", "_" or "-"');
    return { identitySource: `route.request.querystring.${source.name}`, tokenQuery: source.name };
  }
  const name = source.name ?? headerName;
  checkPattern(scope, 'tokenSource', name, SOURCE_NAME, 'a header must be 1-128 letters, digits, ".", "_" or "-"');
  // HTTP header names are case-insensitive (RFC 9110 5.1).
  if (name.toLowerCase() !== headerName.toLowerCase()) {
    fail(scope, 'tokenSource', name, `the JWT authorizer reads the header "${headerName}" (authorization headerName): use ChatTokenSource.header() or the same name`);
  }
  return { identitySource: `route.request.header.${name}` };
}

/** What a `$connect` binder gets besides the authorization. */
interface ConnectBindContext {
  readonly scope: Construct;
  readonly tokenSource?: ChatTokenSource;
  readonly hardening: FunctionHardening;
}

type ConnectBinder = (auth: ApiAuthorization, context: ConnectBindContext) => ConnectAuthorization;

/**
 * How each kind of authorization binds itself to `$connect` (the REST side binds through
 * src/rest/authorizer-binders.ts). Kinds without an entry cannot authorize a WebSocket API.
 */
const CONNECT_BINDERS: Partial<Record<AuthorizationKind, ConnectBinder>> = {
  [AuthorizationKind.IAM]: () => ({ authorizer: new authorizers.WebSocketIamAuthorizer(), identity: 'iam', identitySources: [] }),
  [AuthorizationKind.NONE]: (_auth, { scope }) => {
    // The findings that $connect has no authorizer (AwsSolutions-APIG4, CT.APIGATEWAY.PR.5) stay for the owner to
    // acknowledge: they are true of this configuration.
    warn(scope, 'NoAuthorization', '$connect without authorization: anyone can connect and chat (under a random alias). Acknowledge this warning with a reason if it is intended');
    return { identity: 'none', identitySources: [] };
  },
  [AuthorizationKind.LAMBDA_REQUEST]: (auth, { scope }) => {
    const sources = auth.identitySources ?? [];
    for (const s of sources) {
      checkPattern(scope, 'authorization.identitySources', s, IDENTITY_SOURCE, 'WebSocket identity sources must be route.request.header.X or route.request.querystring.X');
    }
    return {
      authorizer: new authorizers.WebSocketLambdaAuthorizer('ConnectAuthorizer', auth.handler!, { identitySource: sources }),
      identity: 'lambda',
      identitySources: sources,
    };
  },
  [AuthorizationKind.JWT]: (auth, { scope, tokenSource, hardening }) => {
    const { identitySource, tokenQuery } = jwtIdentitySource(scope, auth, tokenSource ?? ChatTokenSource.queryString());
    const fn = bindJwtAuthorizerFunction(scope, 'JwtAuthorizerFunction', auth, { hardening, defaultAuthorization: auth, tokenQuery });
    return {
      authorizer: new authorizers.WebSocketLambdaAuthorizer('ConnectAuthorizer', fn, { identitySource: [identitySource] }),
      identity: 'jwt',
      identitySources: [identitySource],
    };
  },
};

/** Binds the `$connect` authorization of `auth`. */
export function bindConnectAuthorization(
  scope: Construct,
  auth: ApiAuthorization,
  tokenSource: ChatTokenSource | undefined,
  hardening: FunctionHardening,
): ConnectAuthorization {
  if (tokenSource && auth.kind !== AuthorizationKind.JWT) {
    fail(scope, 'tokenSource', tokenSource.location, 'applies to jwt() authorization only (lambdaRequest() names its own identity sources)');
  }
  const binder = CONNECT_BINDERS[auth.kind];
  if (!binder) return fail(scope, 'authorization', auth.kind, 'must be JWT, LAMBDA_REQUEST, IAM or NONE for a WebSocket API ($connect accepts only REQUEST authorizers)');
  return binder(auth, { scope, tokenSource, hardening });
}
