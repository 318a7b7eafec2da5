/**
 * The JSON access-log formats of the library's REST and WebSocket stages.
 *
 * API Gateway substitutes `$context` variables into the format as raw text: a value holding a double quote or a
 * backslash (an error message, for instance) would break a line whose field is written `"$context.error.message"`.
 * `$context.error.messageString` is "the quoted value of $context.error.message", so it is written WITHOUT
 * surrounding quotes and each line stays valid JSON
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference).
 *
 * Internal: never exported from the package.
 */
import { CfnResource } from 'aws-cdk-lib';
import { acknowledge } from './acknowledgements';

/** One field of a JSON access-log line. */
export interface AccessLogField {
  readonly name: string;
  readonly variable: string;
  /** True when API Gateway substitutes an already quoted JSON string (no quotes around it in the format). */
  readonly quotedByApiGateway?: boolean;
}

/** The variables API Gateway substitutes as quoted JSON strings. */
const QUOTED_VARIABLES = new Set(['$context.error.messageString']);

function fields(entries: Array<[string, string]>): AccessLogField[] {
  return entries.map(([name, variable]) => ({ name, variable, quotedByApiGateway: QUOTED_VARIABLES.has(variable) }));
}

/** The fields of a REST stage's access-log line. */
export const REST_ACCESS_LOG_FIELDS: readonly AccessLogField[] = fields([
  ['requestId', '$context.requestId'],
  ['extendedRequestId', '$context.extendedRequestId'],
  ['ip', '$context.identity.sourceIp'],
  ['userAgent', '$context.identity.userAgent'],
  ['caller', '$context.identity.caller'],
  ['user', '$context.identity.user'],
  ['principalId', '$context.authorizer.principalId'],
  ['requestTime', '$context.requestTime'],
  ['httpMethod', '$context.httpMethod'],
  ['resourcePath', '$context.resourcePath'],
  ['path', '$context.path'],
  ['status', '$context.status'],
  ['protocol', '$context.protocol'],
  ['responseLength', '$context.responseLength'],
  ['responseLatency', '$context.responseLatency'],
  ['integrationLatency', '$context.integrationLatency'],
  ['integrationStatus', '$context.integration.status'],
  ['errorMessage', '$context.error.messageString'],
  ['wafStatus', '$context.waf.status'],
  ['xrayTraceId', '$context.xrayTraceId'],
]);

/**
 * The fields of a WebSocket stage's access-log line. The error message stays `$context.error.message` in quotes
 * until the WebSocket stage acknowledges the structured-logging finding below (see `acknowledgeJsonAccessLogFormat`).
 */
export const WEBSOCKET_ACCESS_LOG_FIELDS: readonly AccessLogField[] = fields([
  ['requestId', '$context.requestId'],
  ['extendedRequestId', '$context.extendedRequestId'],
  ['ip', '$context.identity.sourceIp'],
  ['connectionId', '$context.connectionId'],
  ['routeKey', '$context.routeKey'],
  ['eventType', '$context.eventType'],
  ['requestTime', '$context.requestTime'],
  ['status', '$context.status'],
  ['principalId', '$context.authorizer.principalId'],
  ['integrationLatency', '$context.integrationLatency'],
  ['errorMessage', '$context.error.message'],
]);

/** Renders fields as one JSON-object line; already quoted variables go in bare. */
export function renderJsonAccessLogFormat(list: readonly AccessLogField[]): string {
  const members = list.map((f) => `${JSON.stringify(f.name)}:${f.quotedByApiGateway ? f.variable : JSON.stringify(f.variable)}`);
  return `{${members.join(',')}}`;
}

/**
 * cdk-nag's structured-logging rule (Serverless-APIGWStructuredLogging) parses the format before substitution, where
 * the bare `$context.error.messageString` is not a JSON literal; once API Gateway substitutes it, every line is JSON.
 * Acknowledged on the stage that uses the format, with that reason.
 */
export function acknowledgeJsonAccessLogFormat(stage: CfnResource): void {
  acknowledge(stage, {
    id: 'Serverless-APIGWStructuredLogging',
    reason:
      'The access-log format is one JSON object per line after API Gateway substitutes its variables: ' +
      '$context.error.messageString is substituted as an already quoted, escaped JSON string, so the format writes it ' +
      'without quotes, which a parser of the unsubstituted template cannot read as JSON',
  });
}
