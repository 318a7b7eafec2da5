/**
 * Canary metrics from the canary access logs (issue 13): the metric-filter patterns of src/runtime/canary/
 * metric-filters.ts, checked against the library's real REST access-log format (every selector is a field of it, and
 * of the right JSON type) and evaluated, with CloudWatch's documented matching rules, on access-log lines produced by
 * substituting sample values into that format.
 *
 * AWS rules relied on:
 * - filter syntax: `{ SELECTOR = STRING }` where STRING may hold `*` wildcards, `= *` matches any value, the selector
 *   must point to a string or number value node (an object or array never matches); `metricValue: $.field` publishes
 *   the field's value (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html);
 * - percentile statistics work on metric-filter metrics whose values are never negative
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html);
 * - the canary's access logs go to the stage's access-log group name + `/Canary`
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html);
 * - a metric namespace is at most 255 characters and may not start with `AWS/`
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
 */
import { REST_ACCESS_LOG_FIELDS, renderJsonAccessLogFormat } from '../../src/core/private/access-log-format';
import {
  CANARY_4XX, CANARY_5XX, CANARY_ACCESS_LOG_GROUP_SUFFIX, CANARY_LATENCY, CANARY_METRIC_FILTERS, CANARY_REQUESTS, canaryErrorRateExpression,
  canaryMetricNamespace,
} from '../../src/runtime/canary/metric-filters';

/** A JSON filter pattern of `$.selector = value` terms joined by && / ||, as CloudWatch evaluates it (the subset used). */
function evaluate(pattern: string, line: string): boolean {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern);
  if (!body) throw new Error(`not a JSON filter pattern: ${pattern}`);
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return false; // JSON patterns never match a line that is not JSON
  }
  const term = (t: string): boolean => {
    const m = /^\$\.([A-Za-z0-9_-]+)\s*(!?=)\s*(?:"([^"]*)"|(\S+))$/.exec(t.trim());
    if (!m) throw new Error(`unsupported term: ${t}`);
    const value = (event as Record<string, unknown>)[m[1]];
    if (typeof value !== 'string' && typeof value !== 'number') return false; // must be a value node
    const wanted = m[3] ?? m[4];
    const regex = new RegExp(`^${wanted.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const equal = regex.test(String(value));
    return m[2] === '=' ? equal : !equal;
  };
  return body[1].split('||').some((any) => any.split('&&').every(term));
}

/** One access-log line: the REST format with API Gateway's substitution of the given values. */
function accessLogLine(values: Record<string, string>): string {
  const defaults: Record<string, string> = {
    '$context.requestId': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    '$context.extendedRequestId': 'Sca3bFUQgi0EYeA=',
    '$context.identity.sourceIp': '203.0.113.7',
    '$context.identity.userAgent': 'curl/8.5.0',
    '$context.identity.caller': '-',
    '$context.identity.user': '-',
    '$context.authorizer.principalId': 'user-42',
    '$context.requestTime': '15/Jan/2026:12:00:40 +0000',
    '$context.httpMethod': 'GET',
    '$context.resourcePath': '/orders/{id}',
    '$context.path': '/prod/orders/7',
    '$context.status': '200',
    '$context.protocol': 'HTTP/1.1',
    '$context.responseLength': '512',
    '$context.responseLatency': '87',
    '$context.integrationLatency': '80',
    '$context.integration.status': '200',
    // Substituted already quoted and escaped (a message with quotes stays valid JSON).
    '$context.error.messageString': JSON.stringify('Internal server error: "boom"'),
    '$context.waf.status': '-',
    '$context.xrayTraceId': 'Root=1-5759e988-bd862e3fe1be46a994272793',
  };
  const all = { ...defaults, ...values };
  let line = renderJsonAccessLogFormat(REST_ACCESS_LOG_FIELDS);
  for (const variable of Object.keys(all).sort((a, b) => b.length - a.length)) line = line.split(variable).join(all[variable]);
  return line;
}

const line = (status: string, latency = '87') => accessLogLine({ '$context.status': status, '$context.responseLatency': latency });

describe('canary metric filters over the library access-log format', () => {
  test('every selector reads a field of the REST access-log format, written as a JSON string', () => {
    const format = JSON.parse(accessLogLine({}));
    for (const filter of CANARY_METRIC_FILTERS) {
      const selectors = [...filter.filterPattern.matchAll(/\$\.([A-Za-z0-9_-]+)/g), ...filter.metricValue.matchAll(/\$\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
      expect(selectors.length).toBeGreaterThan(0);
      expect([...new Set(selectors)].sort()).toEqual([...filter.fields].sort());
      for (const field of filter.fields) {
        expect(REST_ACCESS_LOG_FIELDS.map((f) => f.name)).toContain(field);
        expect(typeof format[field]).toBe('string');
      }
    }
  });

  test('substituted lines are valid JSON, an error message with quotes included', () => {
    expect(JSON.parse(line('502'))).toMatchObject({ status: '502', responseLatency: '87', errorMessage: 'Internal server error: "boom"' });
  });

  test.each([
    ['200', [CANARY_REQUESTS]],
    ['201', [CANARY_REQUESTS]],
    ['400', [CANARY_REQUESTS, CANARY_4XX]],
    ['429', [CANARY_REQUESTS, CANARY_4XX]],
    ['500', [CANARY_REQUESTS, CANARY_5XX]],
    ['502', [CANARY_REQUESTS, CANARY_5XX]],
    ['504', [CANARY_REQUESTS, CANARY_5XX]],
  ])('a %s answer is counted by exactly the filters it belongs to', (status, expected) => {
    const counting = CANARY_METRIC_FILTERS.filter((f) => f.metricValue === '1');
    expect(counting.filter((f) => evaluate(f.filterPattern, line(status))).map((f) => f.id)).toEqual(expected.map((f) => f.id));
  });

  test('a status that merely contains 5 is not a 5XX (the wildcard anchors at the start)', () => {
    expect(evaluate(CANARY_5XX.filterPattern, line('205'))).toBe(false);
    expect(evaluate(CANARY_5XX.filterPattern, line('415'))).toBe(false);
  });

  test('latency: every line matches and publishes its responseLatency, a non-negative number (p99 available)', () => {
    for (const latency of ['0', '87', '28999']) {
      const l = line('200', latency);
      expect(evaluate(CANARY_LATENCY.filterPattern, l)).toBe(true);
      const value = Number(JSON.parse(l)[CANARY_LATENCY.metricValue.slice(2)]);
      expect(value).toBe(Number(latency));
      expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(CANARY_LATENCY.statistic).toBe('p99');
    // No default value: zeros for idle minutes would drag the percentile down.
    expect(CANARY_LATENCY.defaultValue).toBeUndefined();
  });

  test('counting filters publish 0 for minutes with canary traffic but no match (no gaps in the rate)', () => {
    expect([CANARY_REQUESTS, CANARY_5XX, CANARY_4XX].map((f) => f.defaultValue)).toEqual([0, 0, 0]);
  });

  test('non-JSON lines and object-valued selectors never match', () => {
    expect(evaluate(CANARY_REQUESTS.filterPattern, 'GET /orders 200')).toBe(false);
    expect(evaluate(CANARY_REQUESTS.filterPattern, JSON.stringify({ status: { code: 500 } }))).toBe(false);
  });
});

describe('canary metric names', () => {
  test('the canary access-log group name (stage group name + suffix) is a valid log group name for any generated group name', () => {
    // CloudWatch Logs: 1-512 characters of [.-_/#A-Za-z0-9] (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html);
    const canaryGroup = `${'Orders-ObservabilityAccessLogsA1B2C3D4-'.padEnd(256, 'x')}${CANARY_ACCESS_LOG_GROUP_SUFFIX}`;
    expect(canaryGroup).toMatch(/^[.\-_/#A-Za-z0-9]{1,512}$/);
    expect(CANARY_ACCESS_LOG_GROUP_SUFFIX).toBe('/Canary');
  });

  test('the namespace names the API and stage, stays under 255 characters for the longest stage name, and is not AWS/', () => {
    expect(canaryMetricNamespace('abcde12345', 'prod')).toBe('CdkApiGatewayPatterns/Canary/abcde12345/prod');
    const longest = canaryMetricNamespace('abcde12345', 's'.repeat(128));
    expect(longest.length).toBeLessThanOrEqual(255);
    expect(longest.startsWith('AWS/')).toBe(false);
  });

  test('the 5XX rate expression guards low traffic, and refuses a meaningless minimum', () => {
    expect(canaryErrorRateExpression(20)).toBe('IF(requests >= 20, 100 * errors / requests, 0)');
    expect(() => canaryErrorRateExpression(0)).toThrow('minimumRequests must be an integer >= 1');
    expect(() => canaryErrorRateExpression(2.5)).toThrow('minimumRequests must be an integer >= 1');
  });
});
