/**
 * API Gateway refuses a REST API resource policy longer than 8,192 characters. Counted as the policy's JSON
 * without whitespace (how CloudFormation passes it), unresolved values at their conservative estimate.
 *
 * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 * ("Length, in characters, of API Gateway resource policy: 8,192")
 */
import { isObject, jsonLength } from './intrinsics';
import { DeployRule, formatNumber, RuleFinding } from './rule';

export const REST_API_POLICY_LIMIT = 8192;

export const restApiPolicySize: DeployRule = {
  id: 'RestApiPolicySize',
  fact: 'A REST API resource policy may hold at most 8,192 characters.',
  source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html',
  fix: 'Shorten the policy: group source IPs or VPC endpoints into fewer statements, or use a WAF IP set instead.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const api of templates.resources('AWS::ApiGateway::RestApi')) {
      const policy = api.resource.Properties?.Policy;
      if (!isObject(policy)) continue;
      const length = jsonLength(templates, api.file, policy);
      if (length > REST_API_POLICY_LIMIT) {
        findings.push({
          resource: api,
          locations: ['Properties/Policy'],
          message: `${templates.describe(api)}: the resource policy is about ${formatNumber(length)} characters, more than API Gateway's ${formatNumber(REST_API_POLICY_LIMIT)}`,
        });
      }
    }
    return findings;
  },
};
