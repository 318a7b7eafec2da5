/**
 * A WebSocket Lambda integration whose invoke permission is granted once per function and API, not once per route.
 * Internal.
 *
 * aws-cdk-lib's WebSocketLambdaIntegration adds a permission in `bind()`, per route (`.../*<routeKey>`); when one
 * integration instance served several routes, older versions bound it once and only the first route was allowed
 * (aws-cdk#38148), which is why the chat used one integration per route, and so six permissions for one function.
 * Here `bind()` adds no per-route permission: one API-scoped permission (`arn:...:execute-api:...:{apiId}/*`, the
 * API's stages and routes, nothing else) is added the first time a function is bound to the API, whatever the
 * number of its routes and whether or not the L2 calls `bind()` for every route. The same design as the REST base
 * (src/rest/sharding.ts): one permission per function per API, which keeps the function's 20 KB resource policy
 * small (aws-cdk#5774).
 */
import { Names, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Grants API Gateway, for this API only, the right to invoke `handler` (once per function and API). */
export function grantApiInvoke(handler: lambda.IFunction, api: apigwv2.IWebSocketApi): void {
  // Permissions are children of the function's permissions node: the API's id makes them one per API.
  const id = `ChatApiInvoke${Names.nodeUniqueId(api.node)}`;
  if (handler.permissionsNode.tryFindChild(id)) return;
  handler.addPermission(id, {
    principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    sourceArn: Stack.of(api).formatArn({ service: 'execute-api', resource: api.apiId, resourceName: '*' }),
  });
}

/** A Lambda proxy integration with one API-scoped permission per function (see the module comment). */
export class ApiScopedLambdaIntegration extends apigwv2.WebSocketRouteIntegration {
  constructor(
    id: string,
    private readonly handler: lambda.IFunction,
  ) {
    super(id);
  }

  public bind(options: apigwv2.WebSocketRouteIntegrationBindOptions): apigwv2.WebSocketRouteIntegrationConfig {
    const api = options.route.webSocketApi;
    grantApiInvoke(this.handler, api);
    return {
      type: apigwv2.WebSocketIntegrationType.AWS_PROXY,
      uri: Stack.of(options.route).formatArn({
        service: 'apigateway',
        account: 'lambda',
        resource: 'path/2015-03-31/functions',
        resourceName: `${this.handler.functionArn}/invocations`,
      }),
    };
  }
}
