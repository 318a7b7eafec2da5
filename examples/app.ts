/**
 * The example app: every pattern of the library with its defaults, in one stack per pattern.
 *
 * `npm run example` synthesizes it into examples/cdk.out with the pinned CDK CLI (every cdk-nag pack, the
 * Control Tower guard rules and the strict template checker run as validation plugins, so any finding fails
 * the synth), then prints a report per stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { Construct } from 'constructs';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  ApiAuthorization, ApiGatewayAccountLogging, ApiObservability, CacheSize, DeployReadinessCheck, MonetizedApi, NestedTemplateChecker, PrivateVpcApi,
  SecuredRestApi, WebSocketChatApi,
} from '../src';

/**
 * Shared observability for APIs you wire yourself (the patterns create their own): alarms, a dashboard and an
 * on-call e-mail subscription for an API deployed elsewhere. Its id is a literal, so its execution log group
 * (`API-Gateway-Execution-Logs_a1b2c3d4e5/prod`) would have a fixed name that outlives this stack: the API's own
 * stack keeps it (`executionLogGroup: false`), and this stack creates no retained group under a fixed name.
 */
export class ObservabilityStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    ApiGatewayAccountLogging.of(this);
    const obs = new ApiObservability(this, 'Observability', { alarmEmails: ['api-oncall@example.com'] });
    obs.watchRestApi({ apiName: 'legacy-api', apiId: 'a1b2c3d4e5', stageName: 'prod', executionLogGroup: false });
  }
}

/** The orders domain's certificate (REGIONAL domain: in the API's region). */
const ORDERS_CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/3c9a7e51-6d2b-4f08-9e4a-1b7d5c2e8f90';

/**
 * A public orders API: Cognito by default, IAM for an admin route, a cache on reads, released through a canary on
 * its `prod` stage (README "Releasing safely") and served at https://orders.example.com (its default execute-api
 * endpoint is off).
 */
export class OrdersApiStack extends Stack {
  public readonly api: SecuredRestApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const pool = cognito.UserPool.fromUserPoolArn(this, 'Users', 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_example');
    this.api = new SecuredRestApi(this, 'Orders', {
      authorization: ApiAuthorization.cognito(pool, { scopes: ['orders/read'] }),
      stage: {
        stageName: 'prod',
        cache: { size: CacheSize.GB_0_5 },
        // prod keeps serving the deployment of the last release (the stack output CurrentDeployment, passed back as
        // `cdk deploy -c ordersBaseDeployment=<id>`) while 10 % of its requests try the current model; the canary's
        // own 5XX rate or p99 latency sends it back to 0 % within a minute.
        baseDeployment: this.node.tryGetContext('ordersBaseDeployment'),
        canary: { percentTraffic: 10, autoRollback: { serverErrorRatePercent: 2, latencyP99: Duration.seconds(2) } },
      },
      domain: {
        domainName: 'orders.example.com',
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', ORDERS_CERTIFICATE_ARN),
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE2', zoneName: 'example.com' }),
      },
      cors: { allowOrigins: ['https://shop.example.com'] },
      observability: { alarmEmails: ['orders-oncall@example.com'] },
    });
    // API Gateway fills each {x} of an HTTP integration URI from integration.request.path.x: map every one. An
    // HttpIntegration calls its backend with GET unless told otherwise: each route forwards its own method.
    const backend = (path: string, httpMethod: string = 'GET') => {
      const names = [...path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]);
      const requestParameters = Object.fromEntries(names.map((n) => [`integration.request.path.${n}`, `method.request.path.${n}`]));
      return new apigateway.HttpIntegration(`https://orders.internal.example.com${path}`, {
        proxy: true,
        httpMethod,
        options: names.length ? { requestParameters } : undefined,
      });
    };
    this.api.addRoute('GET', '/orders', backend('/orders'));
    this.api.addRoute('POST', '/orders', backend('/orders', 'POST'), {
      scopes: ['orders/write'],
      requestSchema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Z0-9-]{3,32}$' },
          quantity: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: 100 },
        },
        additionalProperties: false,
      },
    });
    this.api.addRoute('GET', '/orders/{id}', backend('/orders/{id}'));
    this.api.addRoute('DELETE', '/admin/orders/{id}', backend('/orders/{id}', 'DELETE'), { authorization: ApiAuthorization.iam() });
  }
}

/** A chat backend: JWT on $connect (token in the `token` query parameter), rooms, broadcast. */
class ChatStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new WebSocketChatApi(this, 'Chat', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] }),
      routeThrottles: { sendmessage: { rateLimit: 100, burstLimit: 200 } },
    });
  }
}

/**
 * A private inventory API for the workloads of a shared VPC (imported, as from a networking account): its own
 * execute-api endpoint (private DNS off), an endpoint of a consumer account allowed too, IAM authorization, and a
 * private custom domain with its alias record.
 */
export class PrivateVpcApiStack extends Stack {
  public readonly api: PrivateVpcApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'SharedVpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      privateSubnetRouteTableIds: ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002'],
    });
    this.api = new PrivateVpcApi(this, 'Inventory', {
      vpc,
      allowedVpcEndpoints: ['arn:aws:ec2:eu-west-1:444455556666:vpc-endpoint/vpce-0f1e2d3c4b5a69788'],
      privateDomain: {
        domainName: 'inventory.internal.example.com',
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', 'arn:aws:acm:eu-west-1:111122223333:certificate/7d1f0c4e-2b7a-4a59-9c1e-5b8e3f0a6d21'),
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'InternalZone', { hostedZoneId: 'Z0123456789EXAMPLE1', zoneName: 'internal.example.com' }),
      },
    });
    // The backend: the inventory service's HTTPS endpoint, with every {x} of its URI mapped. (For a backend inside the
    // VPC use `this.api.networkLoadBalancerIntegration(nlb)` or `applicationLoadBalancerIntegration(alb)`: see README.)
    this.api.addRoute('GET', '/items', new apigateway.HttpIntegration('https://inventory.example.com/items', { proxy: true }));
    this.api.addRoute('GET', '/items/{sku}', new apigateway.HttpIntegration('https://inventory.example.com/items/{sku}', {
      proxy: true,
      options: { requestParameters: { 'integration.request.path.sku': 'method.request.path.sku' } },
    }));
  }
}

/**
 * A weather API sold in three tiers (usage plans on the prod stage, by reference): callers authenticate with a JWT
 * and send their tier's API key in `x-api-key`; `free` cannot call the bulk route (a 0/0 route throttle). Customers
 * are onboarded at run time through the IAM-authorized admin routes; usage is exported daily to S3.
 */
export class MonetizedApiStack extends Stack {
  public readonly api: MonetizedApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.api = new MonetizedApi(this, 'Weather', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['weather'] }),
      tiers: [
        {
          name: 'free',
          throttle: { rateLimit: 5, burstLimit: 10 },
          quota: { limit: 1_000, period: apigateway.Period.MONTH },
          routeThrottles: { 'GET /forecasts/bulk': { rateLimit: 0, burstLimit: 0 } },
        },
        { name: 'basic', throttle: { rateLimit: 50, burstLimit: 100 }, quota: { limit: 100_000, period: apigateway.Period.MONTH } },
        { name: 'pro', throttle: { rateLimit: 500, burstLimit: 1_000 }, quota: { limit: 10_000_000, period: apigateway.Period.MONTH } },
      ],
      observability: { alarmEmails: ['weather-oncall@example.com'] },
    });
    this.api.addRoute('GET', '/forecasts', new apigateway.HttpIntegration('https://weather.internal.example.com/forecasts', { proxy: true }));
    this.api.addRoute('GET', '/forecasts/bulk', new apigateway.HttpIntegration('https://weather.internal.example.com/forecasts/bulk', { proxy: true }));
  }
}

/** Adds every stack of the example to `app`. */
export function buildExample(app: App): Stack[] {
  return [
    new ObservabilityStack(app, 'ExampleObservability'),
    new OrdersApiStack(app, 'ExampleOrdersApi'),
    new ChatStack(app, 'ExampleChat'),
    new PrivateVpcApiStack(app, 'ExamplePrivateApi'),
    new MonetizedApiStack(app, 'ExampleMonetizedApi'),
  ];
}

/** Registers the compliance packs as validation plugins: any unacknowledged finding fails the synth. */
export function addCompliancePlugins(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(),
    new NIST80053R5Checks(),
    new HIPAASecurityChecks(),
    new PCIDSS321Checks(),
    new ServerlessChecks(),
    new CfnGuardValidator(),
    new NestedTemplateChecker(),
    new DeployReadinessCheck(),
  );
}

if (require.main === module) {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stacks = buildExample(app);
  addCompliancePlugins(app);
  app.synth();
  // The orders API as OpenAPI, next to the cloud assembly, for client SDK generators.
  const orders = stacks.find((s): s is OrdersApiStack => s instanceof OrdersApiStack);
  if (orders) {
    fs.writeFileSync(path.join(__dirname, 'orders.openapi.json'), JSON.stringify(orders.api.toOpenApi({ title: 'Orders API' }), null, 2));
  }
}
