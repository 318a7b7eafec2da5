/**
 * API Gateway writes REST and WebSocket execution logs to the log group `API-Gateway-Execution-Logs_{apiId}/{stage}`
 * (canary traffic to `.../{stage}/Canary`) and creates it itself when it does not exist: unencrypted and never
 * expiring. A stage that logs needs that exact group pre-created by the app, with a KMS key and a retention.
 * Names are compared as rendered (a `Ref` to the API or `Fn::GetAtt` of its id, in `Fn::Join` or `Fn::Sub`).
 *
 * Sources: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html
 */
import { isObject, render, targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';
import { DeployRule, RuleFinding } from './rule';

const LOGGING = new Set(['ERROR', 'INFO']);

/** The stages that write execution logs, with their API, stage name and canary flag. */
function loggingStages(templates: TemplateSet): Array<{ stage: ResourceRef; api: ResourceRef; name: string; canary: boolean }> {
  const out: Array<{ stage: ResourceRef; api: ResourceRef; name: string; canary: boolean }> = [];
  for (const stage of templates.resources('AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage')) {
    const props = stage.resource.Properties ?? {};
    const v2 = stage.resource.Type === 'AWS::ApiGatewayV2::Stage';
    const levels = v2
      ? [props.DefaultRouteSettings, ...Object.values<any>(isObject(props.RouteSettings) ? props.RouteSettings : {})].map((s) => s?.LoggingLevel)
      : (props.MethodSettings ?? []).map((s: any) => s?.LoggingLevel);
    if (!levels.some((l: unknown) => typeof l === 'string' && LOGGING.has(l))) continue;
    const api = targetOf(templates, stage.file, v2 ? props.ApiId : props.RestApiId)?.ref;
    const name = render(templates, stage.file, props.StageName);
    if (!api || name.unknown > 0 || (v2 && api.resource.Properties?.ProtocolType !== 'WEBSOCKET')) continue;
    out.push({ stage, api, name: name.text, canary: !v2 && props.CanarySetting !== undefined });
  }
  return out;
}

/** A log group name with the API's id written as `{apiId}` when it refers to `api`. */
function normalizedName(templates: TemplateSet, group: ResourceRef, api: ResourceRef): string {
  const token = `\${${api.file.name}/${api.logicalId}`;
  return render(templates, group.file, group.resource.Properties?.LogGroupName)
    .text.split(`${token}.RestApiId}`).join('{apiId}')
    .split(`${token}.ApiId}`).join('{apiId}')
    .split(`${token}}`).join('{apiId}');
}

export const executionLogGroup: DeployRule = {
  id: 'ExecutionLogGroup',
  fact: 'A REST or WebSocket stage with execution logging writes to API-Gateway-Execution-Logs_{apiId}/{stage}, which API Gateway creates unencrypted and never expiring unless the app does.',
  source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html',
  fix: 'Create the log group named exactly API-Gateway-Execution-Logs_{apiId}/{stage} (from the API\'s id token) with a KMS key and a retention.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    const groups = templates.resources('AWS::Logs::LogGroup');
    for (const { stage, api, name, canary } of loggingStages(templates)) {
      const wanted = [`API-Gateway-Execution-Logs_{apiId}/${name}`, ...(canary ? [`API-Gateway-Execution-Logs_{apiId}/${name}/Canary`] : [])];
      for (const expected of wanted) {
        const group = groups.find((g) => normalizedName(templates, g, api) === expected);
        if (!group) {
          findings.push({ resource: stage, message: `${templates.describe(stage)}: logs executions, but the app creates no log group named ${expected} for ${templates.describe(api)}: API Gateway would create it unencrypted and without retention` });
          continue;
        }
        const props = group.resource.Properties ?? {};
        const lacks = [props.KmsKeyId === undefined ? 'KMS key' : '', props.RetentionInDays === undefined ? 'retention' : ''].filter(Boolean);
        if (lacks.length > 0) {
          findings.push({ resource: group, message: `${templates.describe(group)}: the execution log group of ${templates.describe(stage)} has no ${lacks.join(' and no ')}` });
        }
      }
    }
    return findings;
  },
};
