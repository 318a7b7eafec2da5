/**
 * The private custom domain of a `PrivateVpcApi` (aws-cdk-lib has no L2 for it: aws-cdk#33352, aws-cdk-rfcs#703;
 * `DomainName` with `EndpointType.PRIVATE` fails with "RegionalCertificateArn is not supported for PRIVATE custom
 * domain name", aws-cdk#32551).
 *
 * AWS rules it relies on (tests in test/private-vpc-api/private-domain.test.ts):
 * - `AWS::ApiGateway::DomainNameV2` takes `CertificateArn` (not `RegionalCertificateArn`), endpoint type PRIVATE,
 *   and is created with a deny-all policy, so `Policy` is set in the template
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains-tutorial.html).
 *   For PRIVATE only the `dualstack` IP address type is supported (CloudFormation reference).
 * - Each consuming endpoint needs an `AWS::ApiGateway::DomainNameAccessAssociation` (source type VPCE), and the
 *   API's own policy must allow it too.
 * - `AWS::ApiGateway::BasePathMappingV2` names the stage by name: the stage must exist first ("Invalid stage
 *   identifier specified", https://github.com/aws/serverless-application-model/issues/192): the mapping reads the
 *   stage's `Ref`, which orders it after the stage.
 * - A private hosted zone alias record points the name at the endpoint's regional DNS name
 *   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-api-gateway.html, "Private API endpoint").
 * - The cross-account `managementPolicy` is not a CloudFormation property: sharing with other accounts goes through
 *   AWS RAM or `UpdateDomainName` (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains-provider-share-cli.html).
 */
import { Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { privateDomainPolicy } from './policy';
import { PrivateDomainOptions } from './private-vpc-api-props';
import { checkPattern, fail } from '../core/private/validation';

const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const BASE_PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * Properties of `PrivateDomain` (`PrivateVpcApi` fills them from `privateDomain`).
 */
export interface PrivateDomainProps extends PrivateDomainOptions {
  /** The private REST API. */
  readonly api: apigateway.IRestApi;
  /** The stage mapped under `basePath`. */
  readonly stage: apigateway.IStage;
  /** Every VPC endpoint id the domain's policy allows (the API's policy must allow them too). */
  readonly allowedEndpoints: string[];
  /** The VPC endpoint ids of this account to associate with the domain (one access association each). */
  readonly associatedEndpoints: string[];
  /**
   * The endpoint the alias record points at.
   * @default - no record (required with `hostedZone`)
   */
  readonly recordTarget?: ec2.InterfaceVpcEndpoint;
}

/**
 * A custom domain name of a private REST API: the DomainNameV2, its policy, one access association per endpoint of
 * this account, the base path mapping and the alias record. Created by `PrivateVpcApi` from `privateDomain`.
 */
export class PrivateDomain extends Construct {
  /** The domain name resource (`AWS::ApiGateway::DomainNameV2`). */
  public readonly domainName: apigateway.CfnDomainNameV2;
  /** One access association per endpoint of this account. */
  public readonly accessAssociations: apigateway.CfnDomainNameAccessAssociation[];
  /** The mapping of the default stage. */
  public readonly basePathMapping: apigateway.CfnBasePathMappingV2;
  /** The alias record in the private hosted zone, if one was given. */
  public readonly record?: route53.ARecord;
  /** `https://{domain}/{basePath}`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: PrivateDomainProps) {
    super(scope, id);
    checkPattern(scope, 'privateDomain.domainName', props.domainName, DOMAIN, 'must be a fully qualified domain name such as orders.internal.example.com');
    if (props.basePath !== undefined) checkPattern(scope, 'privateDomain.basePath', props.basePath, BASE_PATH, 'must be path segments without leading or trailing "/"');
    if (props.hostedZone && !props.recordTarget) {
      fail(scope, 'privateDomain.hostedZone', props.hostedZone.node.path, 'needs the endpoint the construct creates (a given vpcEndpoint has no known DNS name): create the alias record yourself');
    }
    if (props.allowedEndpoints.length === 0 || props.associatedEndpoints.some((e) => !props.allowedEndpoints.includes(e))) {
      fail(scope, 'privateDomain endpoints', props.associatedEndpoints, 'every associated endpoint must be allowed, and at least one endpoint allowed (a DomainNameV2 is deny-all otherwise)');
    }
    this.domainName = new apigateway.CfnDomainNameV2(this, 'Resource', {
      domainName: props.domainName,
      certificateArn: props.certificate.certificateArn,
      endpointConfiguration: { types: ['PRIVATE'], ipAddressType: 'dualstack' },
      securityPolicy: 'TLS_1_2',
      policy: privateDomainPolicy(props.allowedEndpoints),
    });
    this.accessAssociations = props.associatedEndpoints.map((endpointId, i) =>
      new apigateway.CfnDomainNameAccessAssociation(this, `Access${Token.isUnresolved(endpointId) ? i : endpointId}`, {
        domainNameArn: this.domainName.attrDomainNameArn,
        accessAssociationSource: endpointId,
        accessAssociationSourceType: 'VPCE',
      }));
    this.basePathMapping = new apigateway.CfnBasePathMappingV2(this, 'Mapping', {
      domainNameArn: this.domainName.attrDomainNameArn,
      restApiId: props.api.restApiId,
      stage: props.stage.stageName,
      basePath: props.basePath,
    });
    if (props.hostedZone && props.recordTarget) {
      this.record = new route53.ARecord(this, 'Record', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target: route53.RecordTarget.fromAlias(new targets.InterfaceVpcEndpointTarget(props.recordTarget)),
        comment: `Private custom domain of ${scope.node.path}`,
      });
    }
    this.url = `https://${props.domainName}/${props.basePath ? `${props.basePath}/` : ''}`;
  }
}
