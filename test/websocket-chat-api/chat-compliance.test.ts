/**
 * Every chat configuration is compliance-clean (five cdk-nag packs, Control Tower guard rules, the template
 * checker) and deploy-ready, with only the documented acknowledgements.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { JWT } from './support';
import { ApiAuthorization, ChatRoomAccess, ChatTokenSource, WebSocketChatApi, WebSocketChatApiProps } from '../../src';
import { readinessFindings } from '../core/deploy-readiness/support';
import { complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';

type Configure = (stack: Stack) => WebSocketChatApiProps;

const CONFIGURATIONS: Array<[string, Configure]> = [
  ['JWT, token in the query string (default)', () => ({ authorization: JWT() })],
  ['JWT in a header, rooms from a claim, custom limits', () => ({
    authorization: JWT(),
    tokenSource: ChatTokenSource.header(),
    roomAccess: ChatRoomAccess.fromClaim('scope', 'chat.room:'),
    limits: { messagesPerWindow: 5, messageWindow: Duration.seconds(5), connectionsPerUser: 2, roomSize: 100 },
  })],
  ['IAM', () => ({ authorization: ApiAuthorization.iam() })],
  ['Lambda REQUEST authorizer, rooms from its context', (stack) => ({
    authorization: ApiAuthorization.lambdaRequest(backendFunction(stack, 'Authorizer'), ['route.request.header.X-Api-Key']),
    roomAccess: ChatRoomAccess.fromClaim('rooms'),
  })],
  ['custom domain, VPC, reserved concurrency', (stack) => ({
    authorization: JWT(),
    domain: { domainName: 'chat.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc') },
    lambdaVpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    reservedConcurrency: { connections: 10, messages: 50, fanOut: 5 },
  })],
];

/** Findings on the chat's own resources (the fixtures' VPC and authorizer function are the user's). */
const ofTheChat = (stack: Stack) => formatFindings(complianceFindings(stack).filter((f) => f.resource.startsWith(`${stack.stackName}/Chat/`)));

describe('WebSocketChatApi compliance', () => {
  test.each(CONFIGURATIONS)('%s: no unacknowledged finding', (_name, configure) => {
    const stack = newStack();
    const props = configure(stack);
    new WebSocketChatApi(stack, 'Chat', props);
    // Reserved concurrency is reported where the owner asked for it (new accounts may refuse the reservation).
    const reserved = props.reservedConcurrency ? ['ChatHandler', 'ConnectionHandler', 'FanOutHandler'].map((f) => `Test/Chat/${f}/Resource`) : [];
    const findings = ofTheChat(stack);
    const isReservation = (f: string) => f.startsWith('DeployReadiness ReservedConcurrency ');
    expect(findings.filter((f) => !isReservation(f))).toEqual([]);
    expect(findings.filter(isReservation).map((f) => f.split(' ')[2].replace(/:$/, ''))).toEqual(reserved);
  });

  test('none(): exactly the two true findings that $connect is unauthorized, left to the owner, and a warning', () => {
    const stack = newStack();
    new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.none() });
    expect(ofTheChat(stack).map((f) => f.split(':')[0])).toEqual([
      'AwsSolutions AwsSolutions-APIG4 Test/Chat/Api/$connect-Route/Resource',
      'ControlTower CT.APIGATEWAY.PR.5 Test/Chat/Api/$connect-Route/Resource',
    ]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-apigateway-patterns:NoAuthorization'))).toHaveLength(1);
  });

  test.each([...CONFIGURATIONS, ['none (anonymous)', () => ({ authorization: ApiAuthorization.none() })] as [string, Configure]])('%s: deploy-ready', (_name, configure) => {
    const stack = newStack('Ready', { env: { account: '111122223333', region: 'eu-west-1' } });
    const props = configure(stack);
    new WebSocketChatApi(stack, 'Chat', props);
    // Reserved concurrency is reported where the owner asked for it (the rule warns that new accounts refuse it).
    const reserved = props.reservedConcurrency ? ['ConnectionHandler', 'ChatHandler', 'FanOutHandler'].map((f) => `Ready/Chat/${f}/Resource`) : [];
    const findings = readinessFindings(stack);
    expect(findings.filter((f) => f.rule !== 'ReservedConcurrency')).toEqual([]);
    expect(findings.filter((f) => f.rule === 'ReservedConcurrency').map((f) => f.path)).toEqual(reserved);
  });
});
