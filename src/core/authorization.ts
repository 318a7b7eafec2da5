import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The kinds of authorization a route can have.
 */
export enum AuthorizationKind {
  /** Amazon Cognito user pool authorizer. */
  COGNITO = 'COGNITO',
  /** JWT verified by the library's bundled Lambda authorizer. */
  JWT = 'JWT',
  /** Your Lambda TOKEN authorizer. */
  LAMBDA_TOKEN = 'LAMBDA_TOKEN',
  /** Your Lambda REQUEST authorizer. */
  LAMBDA_REQUEST = 'LAMBDA_REQUEST',
  /** AWS IAM (SigV4). */
  IAM = 'IAM',
  /** No authorization: an explicit opt-out that raises a warning. */
  NONE = 'NONE',
}

/**
 * Options of a Cognito user pool authorization.
 */
export interface CognitoAuthorizationOptions {
  /**
   * OAuth scopes a caller's access token must carry (any of them), e.g. `orders/read`.
   * @default - no scope: an ID or access token of the pool is enough
   */
  readonly scopes?: string[];
  /**
   * How long API Gateway caches the authorizer's result.
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/**
 * Which tokens the bundled JWT authorizer accepts, by their use, where the issuer marks it (the `token_use` claim
 * of Amazon Cognito, the JOSE header `typ: at+jwt` of RFC 9068). Logout tokens and other security event tokens
 * are always refused.
 */
export enum JwtTokenUse {
  /** OAuth 2.0 access tokens: tokens marked as ID tokens are refused. */
  ACCESS = 'access',
  /** OpenID Connect ID tokens: tokens marked as access tokens are refused. */
  ID = 'id',
  /** Access tokens and ID tokens. */
  ACCESS_OR_ID = 'access,id',
}

/**
 * Options of a JWT authorization through the bundled Lambda authorizer.
 */
export interface JwtAuthorizationOptions {
  /**
   * The token issuer (`iss` claim), an https URL. An Amazon Cognito user pool issuer
   * (`https://cognito-idp.<region>.amazonaws.com/<userPoolId>`) selects aws-jwt-verify's Cognito verifier.
   */
  readonly issuer: string;
  /**
   * Accepted audiences, at least one: values of the `aud` claim. For a Cognito user pool issuer, the app client
   * ids, checked against `client_id` in access tokens (which carry no `aud`) and `aud` in ID tokens.
   */
  readonly audience: string[];
  /**
   * The JSON Web Key Set URL (https). Not for Cognito user pool issuers, whose JWKS URL is fixed.
   * @default - `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * Scopes every token must carry, whatever the route.
   * @default - none
   */
  readonly requiredScopes?: string[];
  /**
   * The request header that carries the token (`Bearer <jwt>` or a bare JWT).
   * @default 'Authorization'
   */
  readonly headerName?: string;
  /**
   * How long API Gateway caches the authorizer's result. The cache key is the token AND the route (method and
   * resource path), and the cached policy decides only that route, so caching never widens or narrows access.
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * Which tokens are accepted, by their use (where the issuer marks it).
   * @default JwtTokenUse.ACCESS
   */
  readonly tokenUse?: JwtTokenUse;
  /**
   * Refuse tokens that carry no token-use mark at all (neither a `token_use` claim nor `typ: at+jwt`). Tokens of a
   * Cognito user pool are always marked; turn this on when your issuer types its access tokens (RFC 9068).
   * @default false
   */
  readonly requireTokenUse?: boolean;
}

/**
 * Options of a Lambda TOKEN authorization.
 */
export interface LambdaTokenAuthorizationOptions {
  /**
   * The request header that carries the token.
   * @default 'Authorization'
   */
  readonly headerName?: string;
  /**
   * Regular expression a token must match before the authorizer is invoked.
   * @default - none
   */
  readonly validationRegex?: string;
  /**
   * How long API Gateway caches the authorizer's result.
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/**
 * Options of a Lambda REQUEST authorization.
 */
export interface LambdaRequestAuthorizationOptions {
  /**
   * How long API Gateway caches the authorizer's result (keyed by the identity sources).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/** The API Gateway authorization type of each kind (the Lambda-backed kinds are CUSTOM). */
const AUTHORIZATION_TYPES: Record<AuthorizationKind, apigateway.AuthorizationType> = {
  [AuthorizationKind.COGNITO]: apigateway.AuthorizationType.COGNITO,
  [AuthorizationKind.IAM]: apigateway.AuthorizationType.IAM,
  [AuthorizationKind.NONE]: apigateway.AuthorizationType.NONE,
  [AuthorizationKind.JWT]: apigateway.AuthorizationType.CUSTOM,
  [AuthorizationKind.LAMBDA_TOKEN]: apigateway.AuthorizationType.CUSTOM,
  [AuthorizationKind.LAMBDA_REQUEST]: apigateway.AuthorizationType.CUSTOM,
};

/**
 * How callers of an API (or of one route) are authorized.
 *
 * @example
 * ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] });
 */
export class ApiAuthorization {
  /** Amazon Cognito user pool authorization, optionally with OAuth scopes. */
  public static cognito(userPool: cognito.IUserPool, options: CognitoAuthorizationOptions = {}): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.COGNITO, { userPool, cognito: options });
  }

  /** JWT authorization through the library's bundled Lambda authorizer (aws-jwt-verify). */
  public static jwt(options: JwtAuthorizationOptions): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.JWT, { jwt: options });
  }

  /** Your Lambda TOKEN authorizer. */
  public static lambdaToken(handler: lambda.IFunction, options: LambdaTokenAuthorizationOptions = {}): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.LAMBDA_TOKEN, { handler, lambdaToken: options });
  }

  /**
   * Your Lambda REQUEST authorizer.
   *
   * @param identitySources e.g. `method.request.header.X-Api-Token`, `method.request.querystring.token`,
   *   `stageVariables.x`, `context.x`; at least one when results are cached
   */
  public static lambdaRequest(
    handler: lambda.IFunction,
    identitySources: string[],
    options: LambdaRequestAuthorizationOptions = {},
  ): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.LAMBDA_REQUEST, { handler, identitySources, lambdaRequest: options });
  }

  /** AWS IAM (SigV4) authorization. */
  public static iam(): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.IAM, {});
  }

  /**
   * No authorization. An explicit opt-out: it raises the warning `cdk-apigateway-patterns:NoAuthorization`,
   * which you can acknowledge with a reason.
   */
  public static none(): ApiAuthorization {
    return new ApiAuthorization(AuthorizationKind.NONE, {});
  }

  /** The kind of authorization. */
  public readonly kind: AuthorizationKind;
  /** The user pool, for COGNITO. */
  public readonly userPool?: cognito.IUserPool;
  /** The authorizer function, for LAMBDA_TOKEN and LAMBDA_REQUEST. */
  public readonly handler?: lambda.IFunction;
  /** Identity sources, for LAMBDA_REQUEST. */
  public readonly identitySources?: string[];
  /** Options, for COGNITO. */
  public readonly cognitoOptions?: CognitoAuthorizationOptions;
  /** Options, for JWT. */
  public readonly jwtOptions?: JwtAuthorizationOptions;
  /** Options, for LAMBDA_TOKEN. */
  public readonly lambdaTokenOptions?: LambdaTokenAuthorizationOptions;
  /** Options, for LAMBDA_REQUEST. */
  public readonly lambdaRequestOptions?: LambdaRequestAuthorizationOptions;

  private constructor(
    kind: AuthorizationKind,
    parts: {
      userPool?: cognito.IUserPool;
      handler?: lambda.IFunction;
      identitySources?: string[];
      cognito?: CognitoAuthorizationOptions;
      jwt?: JwtAuthorizationOptions;
      lambdaToken?: LambdaTokenAuthorizationOptions;
      lambdaRequest?: LambdaRequestAuthorizationOptions;
    },
  ) {
    this.kind = kind;
    this.userPool = parts.userPool;
    this.handler = parts.handler;
    this.identitySources = parts.identitySources;
    this.cognitoOptions = parts.cognito;
    this.jwtOptions = parts.jwt;
    this.lambdaTokenOptions = parts.lambdaToken;
    this.lambdaRequestOptions = parts.lambdaRequest;
  }

  /** The API Gateway authorization type this kind maps to. */
  public get authorizationType(): apigateway.AuthorizationType {
    return AUTHORIZATION_TYPES[this.kind];
  }

}
