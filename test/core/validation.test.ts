import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  PropValidationError,
  checkCount,
  checkDuration,
  checkLength,
  checkOneOf,
  checkPattern,
  checkRange,
  checkUnique,
} from '../../src/core/private/validation';

function scope(): Construct {
  return new Construct(new Stack(undefined, 'S'), 'Api');
}

describe('validation helpers', () => {
  test.each([
    ['below min', () => checkRange(scope(), 'ttl', -1, { min: 0, max: 3600, unit: 'seconds' }), 'S/Api: invalid ttl -1: must be a number between 0 and 3600 seconds'],
    ['above max', () => checkRange(scope(), 'ttl', 3601, { min: 0, max: 3600 }), 'S/Api: invalid ttl 3601: must be a number between 0 and 3600'],
    ['not an integer', () => checkRange(scope(), 'burst', 1.5, { min: 0, integer: true }), 'S/Api: invalid burst 1.5: must be an integer >= 0'],
    ['NaN', () => checkRange(scope(), 'rate', NaN, { min: 0 }), 'S/Api: invalid rate null: must be a number >= 0'],
    ['duration too long', () => checkDuration(scope(), 'cacheTtl', Duration.hours(2), { minSeconds: 0, maxSeconds: 3600 }), 'S/Api: invalid cacheTtl 2 hours: must be between 0 and 3600 seconds'],
    ['not one of', () => checkOneOf(scope(), 'period', 'YEAR', ['DAY', 'WEEK', 'MONTH']), 'S/Api: invalid period "YEAR": must be one of "DAY", "WEEK", "MONTH"'],
    ['pattern', () => checkPattern(scope(), 'stageName', 'bad name', /^[A-Za-z0-9_-]+$/, 'letters, digits, - and _'), 'S/Api: invalid stageName "bad name": letters, digits, - and _'],
    ['length', () => checkLength(scope(), 'name', '', { min: 1, max: 128 }), 'S/Api: invalid name "": must be a string of 1 to 128 characters'],
    ['count', () => checkCount(scope(), 'countries', [], { min: 1 }), 'S/Api: invalid countries "0 item(s)": must have at least 1 item(s)'],
    ['unique', () => checkUnique(scope(), 'origins', ['https://a.example', 'https://a.example']), 'S/Api: invalid origins "https://a.example": must not contain duplicates'],
  ])('%s fails with path, prop, value and what is allowed', (_name, run, message) => {
    // WHEN / THEN
    expect(run).toThrow(PropValidationError);
    expect(run).toThrow(message);
  });

  test('valid values pass', () => {
    const s = scope();
    expect(() => {
      checkRange(s, 'ttl', 0, { min: 0, max: 3600 });
      checkRange(s, 'ttl', 3600, { min: 0, max: 3600, integer: true });
      checkDuration(s, 'cacheTtl', Duration.minutes(60), { minSeconds: 0, maxSeconds: 3600 });
      checkOneOf(s, 'period', 'DAY', ['DAY', 'WEEK']);
      checkPattern(s, 'stageName', 'prod_1', /^[A-Za-z0-9_-]+$/, 'x');
      checkLength(s, 'name', 'a', { min: 1, max: 2 });
      checkCount(s, 'countries', ['DE'], { min: 1, max: 2 });
    }).not.toThrow();
  });

  test('unresolved tokens are skipped, never rejected', () => {
    const s = scope();
    const num = Token.asNumber(Lazy.number({ produce: () => 99999 }));
    const str = Lazy.string({ produce: () => 'bad name' });
    expect(() => {
      checkRange(s, 'ttl', num, { min: 0, max: 3600 });
      checkPattern(s, 'stageName', str, /^[a-z]+$/, 'x');
      checkLength(s, 'name', str, { min: 100, max: 200 });
      checkOneOf(s, 'period', str, ['DAY']);
      checkDuration(s, 'ttl', Duration.seconds(num), { minSeconds: 0, maxSeconds: 1 });
    }).not.toThrow();
  });

  test('long values are shortened in the message', () => {
    const long = 'x'.repeat(500);
    expect(() => checkLength(scope(), 'name', long, { min: 1, max: 128 })).toThrow(/invalid name "x{117}\.\.\."/);
  });
});
