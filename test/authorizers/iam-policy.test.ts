/**
 * The IAM policy evaluator of test/support/iam-policy.ts, tested against the documented IAM rules it models
 * (sources in that file's header).
 */
import { evaluate, wildcardMatch } from '../support/iam-policy';

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const allow = (Resource: string | string[], Action: string | string[] = 'execute-api:Invoke') => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });

describe('wildcards (IAM User Guide, "Using wildcards in resource ARNs")', () => {
  test.each([
    ['*', '', true],
    ['a*', 'a/b/c', true], // `*` crosses `/`: the root of the scope bypass of issue 10.1
    ['GET/orders/*', 'GET/orders/7/invoice', true],
    ['GET/orders/*', 'GET/orders', false],
    ['GET/orders/*/invoice', 'GET/orders/7/8/invoice', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['a.c', 'abc', false], // every other character is literal, regex metacharacters included
    ['a+(b)', 'a+(b)', true],
    ['ARN', 'arn', false], // resources are case-sensitive
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  test('the S3 example of the IAM User Guide: `*` expands across slashes', () => {
    const pattern = 'arn:aws:s3:::amzn-s3-demo-bucket/*/test/*';
    for (const key of ['1/test/object.jpg', '1/2/test/object.jpg', '1/2/test/3/object.jpg', '1///test///object.jpg', '/test/object.jpg']) {
      expect(wildcardMatch(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`)).toBe(true);
    }
    for (const key of ['1-test/object.jpg', 'test/object.jpg']) {
      expect(wildcardMatch(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`)).toBe(false);
    }
  });
});

describe('evaluation (IAM policy evaluation logic)', () => {
  test('an Allow that matches allows; nothing matching is an implicit deny', () => {
    expect(evaluate(allow(`${ARN}/GET/orders`), 'execute-api:Invoke', `${ARN}/GET/orders`)).toBe('Allow');
    expect(evaluate(allow(`${ARN}/GET/orders`), 'execute-api:Invoke', `${ARN}/POST/orders`)).toBe('ImplicitDeny');
    expect(evaluate(allow(`${ARN}/GET/orders`), 'execute-api:InvalidateCache', `${ARN}/GET/orders`)).toBe('ImplicitDeny');
  });

  test('an explicit Deny wins over any Allow, whatever the statement order', () => {
    const statements = [
      { Effect: 'Allow', Action: 'execute-api:*', Resource: `${ARN}/*` },
      { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${ARN}/GET/admin`, `${ARN}/GET/admin/*`] },
    ];
    for (const Statement of [statements, [...statements].reverse()]) {
      expect(evaluate({ Statement }, 'execute-api:Invoke', `${ARN}/GET/admin/users`)).toBe('Deny');
      expect(evaluate({ Statement }, 'execute-api:Invoke', `${ARN}/GET/orders`)).toBe('Allow');
    }
  });

  test('Action names are case-insensitive, Action and Resource may be lists', () => {
    const policy = allow([`${ARN}/GET/a`, `${ARN}/GET/b`], ['s3:GetObject', 'EXECUTE-API:invoke']);
    expect(evaluate(policy, 'execute-api:Invoke', `${ARN}/GET/b`)).toBe('Allow');
    expect(evaluate(policy, 'execute-api:Invoke', `${ARN}/GET/c`)).toBe('ImplicitDeny');
  });

  test('NotResource and NotAction invert the match; a single statement object is accepted', () => {
    const policy = { Statement: { Effect: 'Deny', Action: 'execute-api:Invoke', NotResource: `${ARN}/GET/public/*` } };
    expect(evaluate(policy, 'execute-api:Invoke', `${ARN}/GET/private`)).toBe('Deny');
    expect(evaluate(policy, 'execute-api:Invoke', `${ARN}/GET/public/x`)).toBe('ImplicitDeny');
    const notAction = { Statement: [{ Effect: 'Allow', NotAction: 'execute-api:InvalidateCache', Resource: '*' }] };
    expect(evaluate(notAction, 'execute-api:Invoke', `${ARN}/GET/x`)).toBe('Allow');
    expect(evaluate(notAction, 'execute-api:InvalidateCache', `${ARN}/GET/x`)).toBe('ImplicitDeny');
  });

  test.each([
    [{ Statement: [{ Effect: 'allow', Action: 'a:b', Resource: '*' }] }, 'Effect must be Allow or Deny'],
    [{ Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'exactly one of Action and NotAction'],
    [{ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', NotResource: 'x' }] }, 'exactly one of Resource and NotResource'],
    [{ Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, 'non-empty list'],
    [{ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Condition: { Bool: { x: 'true' } } }] }, 'does not judge Condition'],
    [{}, 'without Statement'],
  ])('an invalid or unsupported policy throws (%j)', (policy, message) => {
    expect(() => evaluate(policy as never, 'a:b', 'x')).toThrow(message);
  });
});
