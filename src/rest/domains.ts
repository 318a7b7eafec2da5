/**
 * The custom domains of one REST pattern's API (`addDomainName`, the `domain` prop). Internal to the REST base.
 *
 * Once the API has a custom domain, its default `execute-api` endpoint is turned off (opt out per domain with
 * `disableExecuteApiEndpoint: false`): callers then go through the domain, its TLS policy and its mutual TLS, which
 * the default endpoint would bypass (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html).
 */
import { Lazy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { RestDomain } from './domain';
import { RestDomainOptions } from './domain-options';
import { RestStage } from './rest-stage';
import { fail } from '../core/private/validation';

export { RestDomain } from './domain';
export type { RestDomainOptions } from './domain-options';

/** The custom domains of one API. */
export class RestDomains {
  private readonly list: RestDomain[] = [];
  private keepExecuteApiEndpoint = false;

  constructor(
    private readonly scope: Construct, api: apigateway.RestApi, private readonly endpointType: apigateway.EndpointType,
    domain: RestDomainOptions | undefined, defaultStage: RestStage,
  ) {
    const cfnApi = api.node.defaultChild as apigateway.CfnRestApi;
    const given = cfnApi.disableExecuteApiEndpoint;
    cfnApi.disableExecuteApiEndpoint = Lazy.any({
      produce: () => (this.list.length > 0 && !this.keepExecuteApiEndpoint ? true : given),
    }) as unknown as boolean;
    if (domain) this.add('Domain', domain, defaultStage);
  }

  /** The domains added so far. */
  public get domains(): RestDomain[] {
    return [...this.list];
  }

  /** Creates a domain and maps `stage` (or the given one) at its base path. */
  public add(id: string, options: RestDomainOptions, defaultStage: RestStage): RestDomain {
    if (this.endpointType === apigateway.EndpointType.PRIVATE) {
      fail(this.scope, 'domain', options.domainName, 'is a public custom domain, which a PRIVATE API cannot have: use PrivateVpcApi\'s privateDomain');
    }
    const endpointType = options.endpointType ?? this.endpointType;
    const domain = new RestDomain(this.scope, id, { ...options, endpointType });
    domain.addMapping((options.stage ?? defaultStage).stage, { basePath: options.basePath });
    if (options.disableExecuteApiEndpoint === false) this.keepExecuteApiEndpoint = true;
    this.list.push(domain);
    return domain;
  }
}
