/**
 * Integration test: PrivateVpcApi answers inside its VPC (200 signed, 403 unsigned) and nothing gets through from
 * outside it.
 *
 * Deployed (README "Integration tests": `npx projen integ --deploy private-vpc-api`), two HTTP probes
 * call one IAM-authorized route (the API's default authorization) through the endpoint-specific host name
 * `https://{apiId}-{vpceId}.execute-api.{region}.amazonaws.com/integ/` (`api.vpceInvokeUrl`: the endpoint's private
 * DNS is off by default, and that name exists because the endpoint is listed in the API's `VpcEndpointIds`);
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html
 *
 * Inside (`Inside`, a probe in the VPC's isolated subnet, granted `execute-api:Invoke` on the route):
 * - signed (SigV4, the function's own credentials): 200. The name resolves through the VPC's resolver to the
 *   endpoint's addresses, the endpoint's security group admits TCP 443 from the VPC CIDR (the probe's group may send
 *   only that), the endpoint policy allows this account's APIs, and the API's resource policy allows calls whose
 *   `aws:SourceVpce` is the endpoint (test/private-vpc-api/policy.test.ts evaluates those statements). Retried up to
 *   60 s: the endpoint-specific DNS record is created when the API is associated with the endpoint and may take a
 *   moment to answer (AWS documents no delay; the retry is a margin, not a documented figure). The signature covers
 *   the host name as sent (`{apiId}-{vpceId}...`, no `Host` override): signing over that name is what SigV4 proxies
 *   for private APIs do (https://github.com/awslabs/aws-sigv4-proxy/issues/212), whereas the other documented form,
 *   the endpoint's own `vpce-...vpce.amazonaws.com` name with a `Host` header naming the API, is reported to break
 *   IAM signatures (https://github.com/okigan/awscurl/issues/68), so it is not used; AWS does not document SigV4
 *   over the endpoint-specific name explicitly, and this test is what checks it;
 * - unsigned: 403, IAM authorization without a signature ("Missing Authentication Token"), which API Gateway
 *   answers before any policy decision;
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * Nothing the inside probe needs leaves the VPC: it makes no AWS SDK call (credentials come from Lambda's environment,
 * no sign-in, no API key), Lambda delivers its logs and its invocation outside the function's network interfaces,
 * and security groups do not filter DNS queries to the Amazon-provided resolver
 * (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html, "Amazon DNS server"), so the isolated
 * subnet (no NAT gateway, no internet gateway) is enough. aws-cdk-lib gives a function in a VPC the network-interface
 * permissions Lambda needs by attaching the AWS managed policy `service-role/AWSLambdaVPCAccessExecutionRole` to its
 * role (as it attaches `AWSLambdaBasicExecutionRole` to every probe): that is the test scaffolding's role, never the
 * library's (the compliance packs are not run on integration apps; the library's own functions are tested in
 * test/compliance/).
 *
 * Outside (`Outside`, the same probe outside any VPC, granted the same permission, so IAM is not what stops it):
 * - signed, endpoint-specific host name: no HTTP response at all (status 0). That name is an alias to the endpoint's
 *   private addresses in the VPC (it may be publicly resolvable: AWS's private API whitepaper, "Route53 alias ... The
 *   domain name is publicly resolvable",
 *   https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/rest-api.html),
 *   which a function outside the VPC has no route to: the connection times out (or the name does not resolve);
 *   either way no server answers, so no status. Only the exact error (TimeoutError, ENOTFOUND, ...) is not
 *   asserted, because it depends on the resolver's answer;
 * - signed, the API's default host `https://{apiId}.execute-api.{region}.amazonaws.com/integ/`: does not get through
 *   (`ok: false`), but the exact outcome is NOT asserted: "You can only invoke a private API from within a VPC using
 *   a VPC endpoint" (the page above) and AWS's knowledge center reports 403 for the default URL of a private API
 *   reached from outside the VPC ("You also get a 403 error when you use the default execute-api invoke URL to
 *   connect to private APIs from on-premises with AWS Direct Connect",
 *   https://repost.aws/knowledge-center/api-gateway-vpc-connections), while others report that the name does not
 *   resolve outside the VPC at all (https://github.com/onmyway133/blog/issues/1058). A 403 (API Gateway, or the
 *   resource policy's `DenyOutsideAllowedSources`) and a status 0 (no such name) both mean "refused"; a 2xx would be
 *   a leak, and that is what the assertion catches.
 * Each outside request waits 3 s at most (`timeoutMs`), so the outside probe runs in about 6 s.
 *
 * The stack: `PrivateVpcApi.quickStartVpc` with one Availability Zone (isolated subnet, no NAT gateway, flow logs
 * kept a week), the API with the library's defaults (IAM, WAF web ACL, KMS-encrypted logs, alarms), one GET route to
 * the test backend (Lambda proxy). The library keeps its KMS keys and log groups on `cdk destroy` (RETAIN, as a
 * production API must); in this throwaway stack `integTest` destroys them (KMS keys are scheduled for deletion), so a run
 * leaves nothing behind but the account-wide API Gateway CloudWatch role, which the library retains on purpose
 * (other APIs of the account log through it).
 *
 * Cost and duration of one run (us-east-1 list prices): the interface endpoint in one AZ ($0.01 per AZ-hour, plus
 * $0.01/GB), the WAF web ACL and its rules ($5 + $1 per rule a month, prorated by the hour), two KMS keys ($1 a month
 * each, prorated), flow logs of a few requests, a few alarms and Lambda invocations: about $0.05 for one run, well
 * under $0.10. It takes 30-50 minutes, not measured here (no AWS account): deploy about 10 (the endpoint, and Lambda
 * creating the inside probe's network interface), assertions about 1, and a destroy of 20-40, because CloudFormation
 * waits for Lambda to delete a VPC function's network interfaces before it deletes the subnet and security groups
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-vpcconfig.html;
 * 40 minutes is commonly reported, https://npmjs.com/package/serverless-plugin-vpc-eni-cleanup).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { expectProbe, integApp, integTest, probeFunction } from './support/integ';
import { PrivateVpcApi } from '../../src';

const app = integApp();
const stack = new Stack(app, 'IntegPrivateVpcApi');
const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc', { maxAzs: 1, flowLogRetention: logs.RetentionDays.ONE_WEEK });

const api = new PrivateVpcApi(stack, 'Api', { vpc, stage: { stageName: 'integ' } });
api.addRoute('GET', '/hello', new apigateway.LambdaIntegration(probeFunction(stack, 'Backend', 'backend')));

// The inside probe may open HTTPS connections inside the VPC only (the endpoint admits 443 from the VPC CIDR).
const insideGroup = new ec2.SecurityGroup(stack, 'InsideSecurityGroup', {
  vpc,
  allowAllOutbound: false,
  description: 'Integration probe: HTTPS to the execute-api endpoint only',
});
insideGroup.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to the execute-api endpoint');
const inside = probeFunction(stack, 'Inside', 'http', {
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  securityGroups: [insideGroup],
  // 60 s of retries and two requests of 5 s at most, within the assertion provider's 2 minutes.
  timeout: Duration.seconds(90),
});
const outside = probeFunction(stack, 'Outside', 'http');
for (const probe of [inside, outside]) api.grantInvoke(probe, { method: 'GET', path: '/hello' });

const integ = integTest(app, 'PrivateVpcApiInteg', [stack]);
const throughEndpoint = `${api.vpceInvokeUrl}hello`;
const defaultHost = api.stage.urlForPath('/hello');

expectProbe(integ, inside, {
  requests: [
    { url: throughEndpoint, sign: true, expectStatus: 200, retrySeconds: 60 },
    { url: throughEndpoint, token: 'none' },
  ],
}, { statuses: [200, 403] });

expectProbe(integ, outside, {
  timeoutMs: 3000,
  requests: [{ url: throughEndpoint, sign: true }],
}, { statuses: [0], ok: [false] });

expectProbe(integ, outside, {
  timeoutMs: 3000,
  requests: [{ url: defaultHost, sign: true }],
}, { ok: [false] });

app.synth();

