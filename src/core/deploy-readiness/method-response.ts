/**
 * An integration response of a REST method maps the backend's answer to one of the method's responses, named by
 * its status code, and API Gateway only accepts one whose method response exists: PutIntegrationResponse's
 * `statusCode` "Specifies the status code that is used to map the integration response to an existing
 * MethodResponse", and a status code without one is refused ("Invalid Response status code specified"), which fails
 * the method's creation. Proxy integrations (AWS_PROXY, HTTP_PROXY) have no integration responses.
 *
 * Sources: https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegrationResponse.html,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-response.html
 */
import { isIntrinsic, isObject } from './intrinsics';
import { DeployRule, RuleFinding } from './rule';

export const methodResponse: DeployRule = {
  id: 'MethodResponseForIntegrationResponse',
  fact: 'API Gateway refuses an integration response whose status code has no method response on the same method ("Invalid Response status code specified").',
  source: 'https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegrationResponse.html',
  fix: 'Declare a method response for every status code the integration responses use (addRoute\'s `methodResponses`, or `methodResponses` of addMethod).',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const method of templates.resources('AWS::ApiGateway::Method')) {
      const props = method.resource.Properties ?? {};
      const integration = isObject(props.Integration) ? props.Integration : {};
      const responses = Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses : [];
      if (isIntrinsic(props.MethodResponses)) continue;
      const methodResponses = Array.isArray(props.MethodResponses) ? props.MethodResponses : [];
      const declared = new Set(methodResponses.filter(isObject).map((r: Record<string, unknown>) => String(r.StatusCode)));
      const missing = responses.filter(isObject).map((r: Record<string, unknown>) => r.StatusCode)
        .filter((code: unknown) => (typeof code === 'string' || typeof code === 'number') && !declared.has(String(code)))
        .map(String);
      if (missing.length === 0) continue;
      findings.push({
        resource: method,
        locations: ['Properties/MethodResponses'],
        message: `${templates.describe(method)}: ${props.HttpMethod ?? 'the method'}'s integration responses map to status ${[...new Set(missing)].join(', ')}, `
          + `which the method declares no method response for (declared: ${declared.size ? [...declared].join(', ') : 'none'})`,
      });
    }
    return findings;
  },
};
