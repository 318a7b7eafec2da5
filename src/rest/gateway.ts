/**
 * CORS, gateway responses and resource policies of the REST patterns. Internal to the REST base, apart
 * from the option types re-exported by the package.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ipVersionOf } from '../core/private/network';
import { checkCount, checkDuration, checkPattern, checkUnique, fail } from '../core/private/validation';

/**
 * Cross-origin resource sharing with an explicit origin list.
 */
export interface CorsSettings {
  /** Allowed origins, e.g. `https://app.example.com`. `*` is refused together with credentials. */
  readonly allowOrigins: string[];
  /**
   * Allowed methods.
   * @default - every method of the API (apigateway.Cors.ALL_METHODS)
   */
  readonly allowMethods?: string[];
  /**
   * Allowed request headers.
   * @default - apigateway.Cors.DEFAULT_HEADERS
   */
  readonly allowHeaders?: string[];
  /**
   * Whether browsers may send credentials.
   * @default false
   */
  readonly allowCredentials?: boolean;
  /**
   * How long browsers may cache the preflight response (0 to 7200 seconds).
   * @default Duration.minutes(10)
   */
  readonly maxAge?: Duration;
}

/**
 * A resource policy on the API: who may call it from where.
 */
export interface ResourcePolicyOptions {
  /**
   * Only these source IPs or CIDR ranges may call the API; every other address is denied.
   * @default - any address
   */
  readonly allowedSourceCidrs?: string[];
  /**
   * These source IPs or CIDR ranges are denied.
   * @default - none
   */
  readonly deniedSourceCidrs?: string[];
  /**
   * Only principals of these AWS accounts may call the API (for IAM authorization).
   * @default - any principal the authorizer accepts
   */
  readonly allowedAccounts?: string[];
}

const ORIGIN = /^https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?$/;
const ACCOUNT = /^\d{12}$/;

/** Checks CORS settings; returns the L2 preflight options. */
export function renderCors(scope: Construct, cors: CorsSettings): apigateway.CorsOptions {
  checkCount(scope, 'cors.allowOrigins', cors.allowOrigins, { min: 1 });
  checkUnique(scope, 'cors.allowOrigins', cors.allowOrigins);
  for (const origin of cors.allowOrigins) {
    if (origin === '*') {
      if (cors.allowCredentials) fail(scope, 'cors.allowOrigins', origin, 'must list explicit origins when allowCredentials is true');
      continue;
    }
    checkPattern(scope, 'cors.allowOrigins', origin, ORIGIN, 'entries must be origins such as https://app.example.com (scheme, host, optional port, no path)');
  }
  checkDuration(scope, 'cors.maxAge', cors.maxAge, { minSeconds: 0, maxSeconds: 7200 });
  return {
    allowOrigins: cors.allowOrigins,
    allowMethods: cors.allowMethods ?? apigateway.Cors.ALL_METHODS,
    allowHeaders: cors.allowHeaders ?? apigateway.Cors.DEFAULT_HEADERS,
    allowCredentials: cors.allowCredentials ?? false,
    maxAge: cors.maxAge ?? Duration.minutes(10),
  };
}

/**
 * JSON error bodies for every 4XX and 5XX gateway response, with CORS headers when CORS is on. With several
 * origins, API Gateway cannot echo the request's origin in a gateway response: the first origin is sent.
 */
export function addGatewayResponses(api: apigateway.RestApi, cors: apigateway.CorsOptions | undefined): void {
  const headers: Record<string, string> = {};
  if (cors) {
    headers['Access-Control-Allow-Origin'] = `'${cors.allowOrigins[0]}'`;
    headers['Access-Control-Allow-Headers'] = `'${(cors.allowHeaders ?? apigateway.Cors.DEFAULT_HEADERS).join(',')}'`;
    if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = "'true'";
  }
  const templates = {
    'application/json': '{"message":$context.error.messageString,"requestId":"$context.requestId"}',
  };
  api.addGatewayResponse('Default4xx', { type: apigateway.ResponseType.DEFAULT_4XX, responseHeaders: headers, templates });
  api.addGatewayResponse('Default5xx', { type: apigateway.ResponseType.DEFAULT_5XX, responseHeaders: headers, templates });
}

/** Checks a resource policy and renders it (undefined when nothing restricts the API). */
export function renderResourcePolicy(scope: Construct, options: ResourcePolicyOptions | undefined): iam.PolicyDocument | undefined {
  if (!options) return undefined;
  const cidrs = (prop: string, list: string[] | undefined) => {
    for (const c of list ?? []) {
      if (!ipVersionOf(c)) fail(scope, prop, c, 'entries must be IPv4 or IPv6 addresses or CIDR ranges');
      if (/\/0$/.test(c)) fail(scope, prop, c, 'must not be a /0 range (use no restriction instead)');
    }
  };
  cidrs('resourcePolicy.allowedSourceCidrs', options.allowedSourceCidrs);
  cidrs('resourcePolicy.deniedSourceCidrs', options.deniedSourceCidrs);
  for (const a of options.allowedAccounts ?? []) checkPattern(scope, 'resourcePolicy.allowedAccounts', a, ACCOUNT, 'entries must be 12-digit AWS account ids');
  const invoke = { actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] };
  const statements: iam.PolicyStatement[] = [
    new iam.PolicyStatement({
      sid: 'AllowInvoke',
      principals: options.allowedAccounts?.length
        ? options.allowedAccounts.map((a) => new iam.AccountPrincipal(a))
        : [new iam.AnyPrincipal()],
      ...invoke,
    }),
  ];
  const deny = (sid: string, operator: string, ranges: string[] | undefined) => {
    if (!ranges?.length) return;
    statements.push(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        conditions: { [operator]: { 'aws:SourceIp': ranges } },
        ...invoke,
      }),
    );
  };
  deny('DenyOutsideAllowedSources', 'NotIpAddress', options.allowedSourceCidrs);
  deny('DenyBlockedSources', 'IpAddress', options.deniedSourceCidrs);
  const document = new iam.PolicyDocument({ statements });
  const size = JSON.stringify(document.toJSON()).length;
  if (size > 8192) fail(scope, 'resourcePolicy', `${size} characters`, 'must render to at most 8,192 characters');
  return document;
}
