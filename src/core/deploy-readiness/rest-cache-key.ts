/**
 * API Gateway keys a REST cache entry on the method and resource plus the `CacheKeyParameters` of its
 * integration only: a path parameter, query string or header missing from the key makes every value share one
 * entry (`GET /orders/2` answered with `/orders/1`), and a per-caller authorization without the caller's
 * identity header in the key serves one caller's response to another. A SigV4 (`AWS_IAM`) caller has no stable
 * identity header, so such a method must not be cached. Cache key parameters must also be declared in the
 * method's `RequestParameters`. Caching applies where the stage has a cache cluster and the most specific
 * method setting enables it (a `*` HTTP method setting caches GET only).
 *
 * Sources: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html ("To be valid values for
 * cacheKeyParameters, these parameters must also be specified for Method requestParameters")
 */
import { isObject, render, sameResource, targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';
import { DeployRule, RuleFinding } from './rule';

/** The path of an `AWS::ApiGateway::Resource` (or the root), or undefined when it cannot be followed. */
function pathOf(templates: TemplateSet, file: ResourceRef['file'], resourceId: unknown, depth = 0): string | undefined {
  const target = targetOf(templates, file, resourceId);
  if (!target || depth > 50) return undefined;
  if (target.ref.resource.Type === 'AWS::ApiGateway::RestApi' && target.attribute === 'RootResourceId') return '';
  if (target.ref.resource.Type !== 'AWS::ApiGateway::Resource') return undefined;
  const props = target.ref.resource.Properties ?? {};
  const parent = pathOf(templates, target.ref.file, props.ParentId, depth + 1);
  return parent === undefined ? undefined : `${parent}/${render(templates, target.ref.file, props.PathPart).text}`;
}

interface Setting {
  readonly path: string;
  readonly method: string;
  readonly caching: boolean;
}

function settingsOf(stage: ResourceRef): Setting[] {
  return (stage.resource.Properties?.MethodSettings ?? []).filter(isObject).map((s: Record<string, any>) => {
    const raw = String(s.ResourcePath ?? '/*').replace(/^\//, '').replace(/~1/g, '/');
    return { path: raw === '*' ? '*' : `/${raw.replace(/^\//, '')}`, method: String(s.HttpMethod ?? '*'), caching: s.CachingEnabled === true || s.CachingEnabled === 'true' };
  });
}

/** Whether the stage caches `method path`: the most specific matching setting decides. */
function cached(settings: Setting[], path: string, method: string): boolean {
  const score = (s: Setting) => (s.path === path ? 2 : s.path === '*' ? 0 : -100) + (s.method === method ? 1 : s.method === '*' ? 0 : -100);
  const best = settings.filter((s) => score(s) >= 0).sort((a, b) => score(b) - score(a))[0];
  if (!best?.caching) return false;
  return best.method === method || method === 'GET';
}

/** What a cached method's key lacks. */
function problems(templates: TemplateSet, method: ResourceRef, path: string): string[] {
  const props = method.resource.Properties ?? {};
  const key = new Set<string>((props.Integration?.CacheKeyParameters ?? []).map(String));
  const declared = Object.keys(isObject(props.RequestParameters) ? props.RequestParameters : {});
  const out: string[] = [];
  const need = (p: string, why: string) => {
    if (!key.has(p)) out.push(`${p} (${why}) is not in CacheKeyParameters`);
  };
  for (const m of path.matchAll(/\{([^}+]+)\+?\}/g)) need(`method.request.path.${m[1]}`, 'path parameter');
  for (const p of declared) if (/^method\.request\.(querystring|multivaluequerystring|header|multivalueheader)\./.test(p)) need(p, 'declared request parameter');
  const type = String(props.AuthorizationType ?? 'NONE');
  if (type === 'AWS_IAM') {
    out.push('AWS_IAM authorization has no stable caller identity to key on, so callers share entries');
  } else if (type === 'COGNITO_USER_POOLS' || type === 'CUSTOM') {
    const authorizer = targetOf(templates, method.file, props.AuthorizerId)?.ref;
    const sources = authorizer ? String(authorizer.resource.Properties?.IdentitySource ?? 'method.request.header.Authorization').split(',').map((s) => s.trim()) : [];
    const keyable = sources.filter((s) => /^method\.request\.(header|querystring)\./.test(s));
    if (authorizer && keyable.length === 0) out.push(`the authorizer's identity sources (${sources.join(', ')}) cannot be cache keys, so callers share entries`);
    for (const s of keyable) need(s, 'caller identity');
  }
  for (const p of key) if (!declared.includes(p)) out.push(`cache key ${p} is not declared in the method's RequestParameters`);
  return out;
}

export const restCacheKey: DeployRule = {
  id: 'RestCacheKey',
  fact: 'A cached REST method is keyed only on its CacheKeyParameters: every path parameter, read query string or header and the caller\'s identity must be in it.',
  source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys',
  fix: 'Declare the parameters in the method\'s requestParameters and list them (and the authorizer\'s identity header) in the integration\'s cacheKeyParameters; do not cache IAM-authorized methods.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    const methods = templates.resources('AWS::ApiGateway::Method').filter((m) => m.resource.Properties?.HttpMethod !== 'OPTIONS');
    for (const stage of templates.resources('AWS::ApiGateway::Stage')) {
      const props = stage.resource.Properties ?? {};
      if (props.CacheClusterEnabled !== true && props.CacheClusterEnabled !== 'true') continue;
      const api = targetOf(templates, stage.file, props.RestApiId);
      const settings = settingsOf(stage);
      for (const method of methods) {
        if (!sameResource(targetOf(templates, method.file, method.resource.Properties?.RestApiId), api)) continue;
        const path = pathOf(templates, method.file, method.resource.Properties?.ResourceId);
        const httpMethod = String(method.resource.Properties?.HttpMethod);
        if (path === undefined || !cached(settings, path || '/', httpMethod)) continue;
        const found = problems(templates, method, path || '/');
        if (found.length > 0) {
          findings.push({
            resource: method,
            locations: ['Properties/Integration/CacheKeyParameters'],
            message: `${templates.describe(method)}: ${httpMethod} ${path || '/'} is cached by stage ${templates.describe(stage)} but ${found.join('; ')}`,
          });
        }
      }
    }
    return findings;
  },
};
