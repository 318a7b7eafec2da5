import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { ApiAuthorization } from '../core/authorization';
import { checkOneOf } from '../core/private/validation';
import { RestApiPattern, RestApiPatternProps } from '../rest/rest-api-pattern';

/**
 * Properties of `SecuredRestApi`.
 */
export interface SecuredRestApiProps extends RestApiPatternProps {
  /** Default authorization of every route (a route may override it). */
  readonly authorization: ApiAuthorization;
  /**
   * REGIONAL or EDGE. (For a private API use `PrivateVpcApi`.)
   * @default apigateway.EndpointType.REGIONAL
   */
  readonly endpointType?: apigateway.EndpointType;
}

/**
 * A public REST API that is secure, validated, observable and compliant by default: a stage with JSON access
 * logs, execution logging, X-Ray, detailed metrics and default throttling; an authorizer on every route;
 * request validation; JSON gateway responses; a backend client certificate; alarms and a dashboard.
 *
 * @example
 * const api = new SecuredRestApi(this, 'Orders', {
 *   authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }),
 * });
 * api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(listOrders));
 */
export class SecuredRestApi extends RestApiPattern {
  constructor(scope: Construct, id: string, props: SecuredRestApiProps) {
    const endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    super(scope, id, { ...props, endpointType });
    checkOneOf(this, 'endpointType', endpointType, [apigateway.EndpointType.REGIONAL, apigateway.EndpointType.EDGE]);
  }
}
