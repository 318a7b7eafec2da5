/**
 * MonetizedApi's props with their defaults, checked against docs/limits.md and the runtime contract's formats.
 * Internal to MonetizedApi.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { validateTopics } from './marketplace';
import { KeyRetirement, MonetizedApiProps } from './monetized-api-props';
import { REPORT_DEFAULTS } from './reporting';
import { checkDuration, checkPattern, checkRange, fail } from '../core/private/validation';
import { MONETIZED_DEFAULTS } from '../runtime/monetized/contract';

const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/** The props, with their defaults, checked. */
export interface MonetizedSettings {
  readonly onboarding: boolean;
  readonly adminBasePath: string;
  readonly keyLimit: number;
  readonly retirement: KeyRetirement;
  readonly keyNamePrefix: string;
  readonly reports: boolean;
  readonly reportPrefix: string;
  readonly reportRetention: Duration;
  readonly schedule: events.Schedule;
  readonly marketplace: boolean;
  readonly registrationPath: string;
  readonly topics: string[];
  readonly meteringRole: boolean;
  readonly throttledRequestsThreshold: number;
}

export function resolveSettings(scope: Construct, props: MonetizedApiProps): MonetizedSettings {
  const o = props.onboarding ?? {};
  const r = props.usageReports ?? {};
  const m = props.marketplace;
  const s: MonetizedSettings = {
    onboarding: o.enabled ?? true,
    adminBasePath: o.basePath ?? MONETIZED_DEFAULTS.adminBasePath,
    keyLimit: o.keyLimit ?? MONETIZED_DEFAULTS.keyLimit,
    retirement: o.retirement ?? KeyRetirement.DELETE,
    keyNamePrefix: o.keyNamePrefix ?? MONETIZED_DEFAULTS.keyNamePrefix,
    reports: r.enabled ?? true,
    reportPrefix: r.prefix ?? MONETIZED_DEFAULTS.reportPrefix,
    reportRetention: r.retention ?? REPORT_DEFAULTS.retention,
    schedule: r.schedule ?? REPORT_DEFAULTS.schedule,
    marketplace: m !== undefined,
    registrationPath: m?.registrationPath ?? '/marketplace/register',
    topics: m?.subscriptionTopicArns ?? [],
    meteringRole: m?.meteringRole ?? true,
    throttledRequestsThreshold: props.throttledRequestsThreshold ?? 100,
  };
  checkPattern(scope, 'onboarding.basePath', s.adminBasePath, BASE_PATH, 'must be a resource path of literal segments such as /admin');
  checkRange(scope, 'onboarding.keyLimit', s.keyLimit, { min: 1, max: MONETIZED_DEFAULTS.keyLimit, integer: true });
  checkPattern(scope, 'onboarding.keyNamePrefix', s.keyNamePrefix, /^[A-Za-z0-9_.:/-]{1,128}$/, 'must be 1-128 letters, digits or "_.:/-"');
  checkPattern(scope, 'usageReports.prefix', s.reportPrefix, /^[A-Za-z0-9!_.*'()/=-]{0,512}$/, 'must be an S3 key prefix of letters, digits and !_.*\'()/=-');
  checkDuration(scope, 'usageReports.retention', s.reportRetention, { minSeconds: 86_400, maxSeconds: 36_500 * 86_400 });
  if (!s.reportRetention.isUnresolved() && s.reportRetention.toSeconds() % 86_400 !== 0) fail(scope, 'usageReports.retention', s.reportRetention, 'must be a whole number of days (S3 lifecycle rules count days)');
  checkPattern(scope, 'marketplace.registrationPath', s.registrationPath, BASE_PATH, 'must be a resource path of literal segments such as /marketplace/register');
  validateTopics(scope, s.topics);
  checkRange(scope, 'throttledRequestsThreshold', s.throttledRequestsThreshold, { min: 0, integer: true });
  if (s.marketplace && !s.onboarding) fail(scope, 'onboarding.enabled', false, 'must be on when selling through AWS Marketplace (buyers are customers of the table)');
  return s;
}

