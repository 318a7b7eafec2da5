/**
 * What an OpenAPI import tells the user besides its routes: one acknowledgeable warning per kind of meaning change,
 * listing the operations it concerns, and a warning when the imported routes bring a stack's template near
 * CloudFormation's size limit. Internal to the OpenAPI import.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { warn } from '../../core/private/validation';
import { RouteOptions } from '../routes';

/** What each warning says before its list of items. */
const MESSAGES: Record<string, string> = {
  OpenApiAlternativeSecurity: 'operations offer alternative security requirements and API Gateway applies one authorizer per method: '
    + 'the first one that can be served was chosen (set preferredSchemes to choose)',
  OpenApiScopesNotEnforced: 'scopes that API Gateway does not check for this kind of authorization were dropped (the authorizer must check them)',
  OpenApiApiKeyHeader: 'apiKeySchemes are served by API Gateway\'s API key, which callers send in the x-api-key header, not where the scheme says',
  OpenApiWebhooksNotImported: 'webhooks and callbacks describe requests the API sends, not routes: not imported',
  OpenApiBodyNotValidated: 'request bodies API Gateway does not validate (a route has one JSON model, for application/json)',
  OpenApiOptionalBody: 'optional request bodies whose model refuses {}: API Gateway validates a request without a body as {}, so it gets 400',
  OpenApiCookieParameters: 'cookie parameters are not validated (API Gateway has no cookie request parameters)',
  OpenApiRefSiblingsIgnored: 'keywords beside a $ref are ignored, as OpenAPI 3.0 says (3.1 applies them)',
  OpenApiServersBasePath: 'the servers URL has a base path that the routes do not get: set basePath to prefix them, or map the API '
    + 'under that path on a custom domain',
};

/** Warning items, by warning id, in the order noted. */
export class ImportNotes {
  private readonly items = new Map<string, Set<string>>();

  public note(id: string, item: string): void {
    if (!MESSAGES[id]) throw new Error(`unknown OpenAPI import warning ${id}`);
    (this.items.get(id) ?? this.items.set(id, new Set()).get(id)!).add(item.replace(/^openApi operation /, ''));
  }

  /** Adds the warnings to `scope`, at most 10 items each. */
  public warn(scope: IConstruct): void {
    for (const [id, set] of this.items) {
      const list = [...set];
      const shown = list.slice(0, 10).join('; ') + (list.length > 10 ? `; and ${list.length - 10} more` : '');
      warn(scope, id, `OpenAPI import: ${MESSAGES[id]}: ${shown}`);
    }
  }
}

/** CloudFormation's largest template (uploaded through S3, as the CDK does): 1 MB. */
export const TEMPLATE_LIMIT_BYTES = 1_048_576;
/** The share of it past which the import warns. */
const WARN_SHARE = 0.75;
/**
 * Template bytes of one route besides its model's schema: the Method with its integration and request parameters,
 * its Resource and the model's envelope, as written with the CDK's one-space indentation (measured: see
 * test/rest/openapi-limits.test.ts).
 */
const ROUTE_BYTES = 1_450;
/** Bytes per character of a model schema serialized compactly, once indented as in the written template. */
const SCHEMA_INDENT_FACTOR = 1.9;

/** The template bytes an imported route adds, estimated. */
export function routeBytes(options: RouteOptions): number {
  const schema = options.requestSchema ? JSON.stringify(options.requestSchema).length * SCHEMA_INDENT_FACTOR : 0;
  const params = JSON.stringify(options.requestParameters ?? {}).length * 2;
  return Math.round(ROUTE_BYTES + schema + params);
}

/**
 * Warns (`TemplateSizeNearLimit`) on the API when the routes just imported add more than 75 % of CloudFormation's
 * 1 MB limit to one stack's template (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html:
 * "Template body size in an Amazon S3 object: 1 MB"). Models inline every `$ref`, so a document with large shared
 * schemas costs far more than its own size.
 */
export function warnTemplateSize(scope: IConstruct, routes: ReadonlyArray<{ readonly options: RouteOptions }>, methods: apigateway.Method[]): void {
  const perStack = new Map<Stack, number>();
  methods.forEach((m, i) => {
    const stack = Stack.of(m);
    perStack.set(stack, (perStack.get(stack) ?? 0) + routeBytes(routes[i].options));
  });
  for (const [stack, bytes] of perStack) {
    if (bytes > TEMPLATE_LIMIT_BYTES * WARN_SHARE) {
      warn(scope, 'TemplateSizeNearLimit', `OpenAPI import: the imported routes add about ${Math.round(bytes / 1024)} KB to the template of `
        + `${stack.node.path} (CloudFormation refuses templates over 1 MB; every $ref is inlined in each model): import the document in `
        + 'parts, into APIs of their own stacks, or trim its request schemas');
    }
  }
}
