/**
 * Deploy-time AWS rules that no static checker sees, as checks over a synthesized template (`Template.toJSON()`).
 * Each returns the violations it finds (empty when the template complies), so a test can show both that the
 * library's templates comply and that a violating template is caught. Sources are cited on each rule.
 */

type Template = { Resources?: Record<string, any> };

function resources(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

function list<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function refOf(value: any): string | undefined {
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return value.Ref;
    if (Array.isArray(value['Fn::GetAtt'])) return value['Fn::GetAtt'][0];
  }
  return undefined;
}

/** True when `value` contains a Ref/GetAtt to a resource of the template, or AWS::StackId: it changes per deployment. */
function changesPerDeployment(template: Template, value: any): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => changesPerDeployment(template, v));
  const ref = refOf(value);
  if (ref !== undefined) return ref === 'AWS::StackId' || ref in (template.Resources ?? {});
  return Object.values(value).some((v) => changesPerDeployment(template, v));
}

/**
 * A resource kept on delete (DeletionPolicy Retain) under a name that does not change per deployment survives
 * `cdk destroy`, and the next deployment of the stack fails with "already exists"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html; LIMITS.md).
 * Returns the logical ids of retained log groups whose LogGroupName is fixed.
 */
export function retainedLogGroupsWithFixedNames(template: Template): string[] {
  return resources(template, 'AWS::Logs::LogGroup')
    .filter(([, r]) => (r.DeletionPolicy ?? 'Delete') === 'Retain')
    .filter(([, r]) => r.Properties?.LogGroupName !== undefined && !changesPerDeployment(template, r.Properties.LogGroupName))
    .map(([id]) => id);
}

function statementAllows(statement: any, service: string, actions: string[]): boolean {
  if (statement.Effect !== 'Allow') return false;
  const principals = list(statement.Principal?.Service);
  const granted = list<string>(statement.Action).map((a) => a.toLowerCase());
  return principals.includes(service) && actions.every((a) => granted.includes(a.toLowerCase()) || granted.includes(`${a.toLowerCase()}*`));
}

/**
 * Every SNS topic an alarm notifies must let CloudWatch publish. A topic policy replaces the topic's default access
 * policy, so it needs an Allow for `cloudwatch.amazonaws.com` to `sns:Publish` (scoped with aws:SourceAccount or
 * aws:SourceArn against the confused deputy), and a KMS-encrypted topic needs a key policy letting CloudWatch use the
 * key (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 * Returns one line per violation.
 */
export function alarmDeliveryProblems(template: Template): string[] {
  const problems: string[] = [];
  const all = template.Resources ?? {};
  for (const [alarmId, alarm] of resources(template, 'AWS::CloudWatch::Alarm')) {
    const props = alarm.Properties ?? {};
    const actions = [...list(props.AlarmActions), ...list(props.OKActions), ...list(props.InsufficientDataActions)];
    for (const topicId of new Set(actions.map(refOf).filter((id): id is string => id !== undefined && all[id]?.Type === 'AWS::SNS::Topic'))) {
      const policies = resources(template, 'AWS::SNS::TopicPolicy').filter(([, p]) => list(p.Properties?.Topics).some((t) => refOf(t) === topicId));
      const statements = policies.flatMap(([, p]) => list(p.Properties?.PolicyDocument?.Statement));
      if (policies.length > 0) {
        const allow = statements.find((s) => statementAllows(s, 'cloudwatch.amazonaws.com', ['sns:Publish']));
        if (!allow) problems.push(`${alarmId}: the policy of topic ${topicId} replaces the default one and does not allow cloudwatch.amazonaws.com to sns:Publish`);
        else if (!JSON.stringify(allow.Condition ?? {}).match(/aws:Source(Account|Arn)/)) problems.push(`${alarmId}: topic ${topicId} lets any CloudWatch alarm publish (no aws:SourceAccount/aws:SourceArn)`);
      }
      const keyId = refOf(all[topicId].Properties?.KmsMasterKeyId);
      if (keyId && all[keyId]?.Type === 'AWS::KMS::Key') {
        const keyStatements = list(all[keyId].Properties?.KeyPolicy?.Statement);
        if (!keyStatements.some((s) => statementAllows(s, 'cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey']))) {
          problems.push(`${alarmId}: topic ${topicId} is encrypted with ${keyId}, whose key policy does not let cloudwatch.amazonaws.com use it`);
        }
      }
    }
  }
  return problems;
}

/** `METHOD /path` of every method of a single-template REST API. */
function methodRoutes(template: Template): Array<{ id: string; method: string; path: string; props: any }> {
  const all = template.Resources ?? {};
  const pathOf = (resourceRef: any): string => {
    const id = refOf(resourceRef);
    const r = id ? all[id] : undefined;
    if (!r || r.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
  };
  return resources(template, 'AWS::ApiGateway::Method').map(([id, m]) => ({
    id,
    method: m.Properties.HttpMethod,
    path: pathOf(m.Properties.ResourceId) || '/',
    props: m.Properties,
  }));
}

/** The effective CachingEnabled of a method: its own setting, then its path's `*` setting, then the stage-wide one. */
function methodCached(settings: any[], path: string, method: string): boolean {
  const resourcePath = path === '/' ? '/' : `/${path.replace(/\//g, '~1')}`;
  const find = (p: string, m: string) => settings.find((s) => s.ResourcePath === p && s.HttpMethod === m && s.CachingEnabled !== undefined);
  const setting = find(resourcePath, method === 'ANY' ? '*' : method) ?? find(resourcePath, '*') ?? find('/*', '*');
  return setting?.CachingEnabled === true;
}

/**
 * API Gateway keys a cached response by `Integration.CacheKeyParameters` only: a path parameter, declared query string
 * or header missing from the key shares one entry across its values, and a missing caller identity shares one entry
 * across callers (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys).
 * For every cached method of the template: CacheKeyParameters must include every `method.request.{path,querystring,
 * header}.*` the method declares and the authorizer's identity sources; an IAM method (whose SigV4 signature changes
 * per request and cannot be a key) must not be cached. Returns one line per violation.
 */
export function cacheKeyProblems(template: Template): string[] {
  const stages = resources(template, 'AWS::ApiGateway::Stage').filter(([, s]) => s.Properties?.CacheClusterEnabled === true);
  if (stages.length === 0) return [];
  const settings = list(stages[0][1].Properties.MethodSettings);
  const all = template.Resources ?? {};
  const problems: string[] = [];
  for (const route of methodRoutes(template)) {
    if (route.method === 'OPTIONS' || !methodCached(settings, route.path, route.method)) continue;
    const name = `${route.method} ${route.path}`;
    if (route.props.AuthorizationType === 'AWS_IAM') problems.push(`${name}: an IAM method is cached, its callers share entries`);
    const required = Object.keys(route.props.RequestParameters ?? {}).filter((p) => /^method\.request\.(path|querystring|header|multivalue\w+)\./.test(p));
    const authorizer = all[refOf(route.props.AuthorizerId) ?? ''];
    if (authorizer) {
      const sources = authorizer.Type === 'AWS::ApiGateway::Authorizer' ? String(authorizer.Properties.IdentitySource ?? 'method.request.header.Authorization') : '';
      required.push(...sources.split(',').map((s) => s.trim()).filter((s) => s.startsWith('method.request.')));
    }
    const keys: string[] = route.props.Integration?.CacheKeyParameters ?? [];
    for (const p of new Set(required)) if (!keys.includes(p)) problems.push(`${name}: ${p} is not in the cache key`);
  }
  return problems;
}

/**
 * An HTTP integration URI `https://backend/orders/{id}` is filled from `integration.request.path.id`; without that
 * request parameter mapping API Gateway cannot build the URI and the call fails
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html).
 * Returns one line per unmapped URI variable.
 */
export function unmappedIntegrationPathParameters(template: Template): string[] {
  const problems: string[] = [];
  for (const route of methodRoutes(template)) {
    const integration = route.props.Integration ?? {};
    if (!['HTTP', 'HTTP_PROXY'].includes(integration.Type) || typeof integration.Uri !== 'string') continue;
    for (const match of integration.Uri.matchAll(/\{([^}]+)\}/g)) {
      const name = match[1].replace(/\+$/, '');
      if (!(`integration.request.path.${name}` in (integration.RequestParameters ?? {}))) {
        problems.push(`${route.method} ${route.path}: ${integration.Uri} has {${match[1]}} but no integration.request.path.${name} mapping`);
      }
    }
  }
  return problems;
}

/**
 * An SNS subscription's dead-letter queue receives only what SNS may send: the queue policy must allow
 * `sns.amazonaws.com` to `sqs:SendMessage`, and an encrypted queue's key policy must let SNS use the key
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html).
 * Returns one line per violation; subscriptions without a dead-letter queue are reported too.
 */
export function subscriptionDeadLetterProblems(template: Template): string[] {
  const all = template.Resources ?? {};
  const problems: string[] = [];
  for (const [id, subscription] of resources(template, 'AWS::SNS::Subscription')) {
    const queueId = refOf(subscription.Properties?.RedrivePolicy?.deadLetterTargetArn);
    if (!queueId || all[queueId]?.Type !== 'AWS::SQS::Queue') {
      problems.push(`${id}: no dead-letter queue of this template (undeliverable notifications are dropped)`);
      continue;
    }
    const queueStatements = resources(template, 'AWS::SQS::QueuePolicy')
      .filter(([, p]) => list(p.Properties?.Queues).some((q) => refOf(q) === queueId))
      .flatMap(([, p]) => list(p.Properties?.PolicyDocument?.Statement));
    if (!queueStatements.some((s) => statementAllows(s, 'sns.amazonaws.com', ['sqs:SendMessage']))) {
      problems.push(`${id}: the policy of dead-letter queue ${queueId} does not allow sns.amazonaws.com to sqs:SendMessage`);
    }
    const keyId = refOf(all[queueId].Properties?.KmsMasterKeyId);
    if (keyId && all[keyId]?.Type === 'AWS::KMS::Key') {
      if (!list(all[keyId].Properties?.KeyPolicy?.Statement).some((s) => statementAllows(s, 'sns.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey']))) {
        problems.push(`${id}: dead-letter queue ${queueId} is encrypted with ${keyId}, whose key policy does not let sns.amazonaws.com use it`);
      }
    }
  }
  return problems;
}
