/**
 * The construction steps of the REST base that need no state of their own: the client certificate, the RestApi
 * with its endpoint configuration, policy and default stage, and the firewall. Internal to the REST base.
 */
import { Names } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { renderResourcePolicy } from './gateway';
import { RestApiPatternBaseProps } from './rest-api-pattern-props';
import { RestStage } from './rest-stage';
import { ApiFirewall } from '../core/firewall';
import { ApiObservability } from '../core/observability';

/** The backend client certificate, unless switched off. */
export function configureClientCertificate(scope: Construct, props: RestApiPatternBaseProps): apigateway.CfnClientCertificate | undefined {
  if (!(props.clientCertificate ?? true)) return undefined;
  return new apigateway.CfnClientCertificate(scope, 'ClientCertificate', { description: `Backend client certificate of ${scope.node.path}` });
}

/** What the RestApi is built with besides the props. */
export interface RestApiParts {
  readonly cors?: apigateway.CorsOptions;
  readonly observability: ApiObservability;
  readonly clientCertificate?: apigateway.CfnClientCertificate;
}

/** The RestApi: endpoint configuration (with VPC endpoints for PRIVATE APIs), policy, CORS, and its default stage. */
export function configureRestApi(scope: Construct, props: RestApiPatternBaseProps, parts: RestApiParts): apigateway.RestApi {
  return new apigateway.RestApi(scope, 'Api', {
    restApiName: props.apiName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: props.description,
    endpointConfiguration: { types: [props.endpointType], vpcEndpoints: props.vpcEndpoints },
    cloudWatchRole: false,
    policy: props.policy ?? renderResourcePolicy(scope, props.resourcePolicy),
    defaultCorsPreflightOptions: parts.cors,
    deployOptions: RestStage._deployOptions(props.stage ?? {}, parts.observability, parts.clientCertificate),
  });
}

/** The WAF web ACL the stages are associated with, unless switched off. */
export function configureFirewall(scope: Construct, props: RestApiPatternBaseProps, observability: ApiObservability): ApiFirewall | undefined {
  if (!(props.firewallEnabled ?? true)) return undefined;
  return new ApiFirewall(scope, 'Firewall', {
    ...props.firewall,
    encryptionKey: observability.encryptionKey,
    logRetention: observability.logRetention,
    logRemovalPolicy: props.observability?.logRemovalPolicy,
  });
}
