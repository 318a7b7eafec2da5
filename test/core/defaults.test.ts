/**
 * The defaults of core/private/defaults.ts: one merge order, fresh objects, and the constructs use them (no default
 * written a second time in the files that read them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiFirewall, ApiObservability } from '../../src';
import {
  accountLoggingDefaults,
  alarmThresholdDefaults,
  consolidateProps,
  firewallDefaults,
  observabilityDefaults,
  restApiWatchDefaults,
} from '../../src/core/private/defaults';

describe('consolidateProps: defaults, then the user\'s props, then what the library requires', () => {
  test('a later layer wins; undefined never overrides', () => {
    const defaults = { a: 1, b: 2, c: 3, d: 4 };
    expect(consolidateProps(defaults, { a: 10, b: undefined, c: 30 }, { c: 300, d: undefined })).toEqual({ a: 10, b: 2, c: 300, d: 4 });
    expect(consolidateProps(defaults)).toEqual(defaults);
  });

  test('false, 0 and empty strings given by the user are kept', () => {
    expect(consolidateProps({ on: true, n: 5, s: 'x' }, { on: false, n: 0, s: '' })).toEqual({ on: false, n: 0, s: '' });
  });

  test('neither input is changed', () => {
    const defaults = { a: 1 };
    const user = { a: 2 };
    consolidateProps(defaults, user, { a: 3 });
    expect({ defaults, user }).toEqual({ defaults: { a: 1 }, user: { a: 2 } });
  });
});

describe('defaults are pure functions', () => {
  test.each([
    ['firewallDefaults', firewallDefaults],
    ['observabilityDefaults', observabilityDefaults],
    ['alarmThresholdDefaults', alarmThresholdDefaults],
    ['accountLoggingDefaults', accountLoggingDefaults],
    ['restApiWatchDefaults', restApiWatchDefaults],
  ] as Array<[string, () => object]>)('%s returns a new, equal object on every call', (_name, defaults) => {
    const first = defaults();
    const second = defaults();
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });

  test('a list of one result is not shared with the next', () => {
    firewallDefaults().managedRulesInCount.push('AWSManagedRulesCommonRuleSet:NoUserAgent_HEADER');
    expect(firewallDefaults().managedRulesInCount).toEqual([]);
  });

  test('the documented values', () => {
    expect(firewallDefaults()).toMatchObject({
      webAclScope: 'REGIONAL', rateLimit: 2000, botControl: false, countMode: false, logging: true, logRetention: logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: RemovalPolicy.RETAIN,
    });
    expect(firewallDefaults().rateLimitWindow.toSeconds()).toBe(300);
    expect(observabilityDefaults()).toEqual({
      logRetention: logs.RetentionDays.ONE_YEAR, tracing: true, alarms: true, dashboard: true, logRemovalPolicy: RemovalPolicy.RETAIN,
    });
    const t = alarmThresholdDefaults();
    expect([t.latencyP99.toMilliseconds(), t.integrationLatencyP99.toMilliseconds()]).toEqual([2500, 2000]);
    expect(t).toMatchObject({ serverErrorRatePercent: 1, clientErrorRatePercent: 10, webSocketErrorsPerPeriod: 5, evaluationPeriods: 3 });
    expect(accountLoggingDefaults()).toEqual({ removalPolicy: RemovalPolicy.RETAIN });
  });
});

describe('the constructs build from these defaults', () => {
  test('ApiFirewall without props: the rate rule and retention of firewallDefaults()', () => {
    const stack = new Stack(new App(), 'S');
    new ApiFirewall(stack, 'Fw');
    const template = Template.fromStack(stack);
    const d = firewallDefaults();
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: d.webAclScope });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    expect(acl.Properties.Rules[0].Statement.RateBasedStatement).toEqual({ Limit: d.rateLimit, AggregateKeyType: 'IP', EvaluationWindowSec: d.rateLimitWindow.toSeconds() });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: d.logRetention });
  });

  test('ApiObservability without props: the thresholds of alarmThresholdDefaults()', () => {
    const stack = new Stack(new App(), 'S');
    new ApiObservability(stack, 'Obs').watchRestApi({ apiName: 'a', apiId: 'abc123', stageName: 'prod' });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const t = alarmThresholdDefaults();
    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name);
    expect(byMetric('Latency')?.Threshold).toBe(t.latencyP99.toMilliseconds());
    expect(byMetric('IntegrationLatency')?.Threshold).toBe(t.integrationLatencyP99.toMilliseconds());
    expect(alarms.map((a) => a.EvaluationPeriods)).toEqual(alarms.map(() => t.evaluationPeriods));
  });

  /** The files whose defaults live in defaults.ts must not write them again (comments are documentation). */
  test('no default value is written again in the files that read defaults.ts', () => {
    const files = [
      'firewall.ts', 'firewall-options.ts', 'observability.ts', 'observability-options.ts', 'account-logging.ts',
      'private/firewall-props.ts', 'private/firewall-logging.ts', 'private/alarm-definitions.ts', 'private/alarm-topic.ts',
    ];
    // A default value, or a prop read with a literal fallback (`props.x ?? 300`, `options.y ?? true`).
    const written = /RetentionDays\.ONE_YEAR|RemovalPolicy\.RETAIN\b|\b(2000|2500)\b|\b(props|options|p|t)\.[\w.]+\s*\?\?\s*(true|false|-?\d|'|Duration|Size)/;
    for (const file of files) {
      const code = fs
        .readFileSync(path.join(__dirname, '../../src/core', file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      const lines = code.split('\n').filter((line) => written.test(line));
      expect({ file, lines }).toEqual({ file, lines: [] });
    }
  });
});
