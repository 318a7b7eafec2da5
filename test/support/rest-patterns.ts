/**
 * The table of REST patterns every contract test runs over (bad inputs, compliance, deploy readiness, defaults):
 * adding a pattern is adding a row. Each row builds the pattern at `Test/Api` from the shared REST props, with
 * whatever the pattern requires on top (a VPC, tiers...), so the contract tests' messages name the same path.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, MonetizedApi, PrivateVpcApi, RestApiPattern, RestApiPatternProps, SecuredRestApi } from '../../src';

/** Shared REST props plus the default authorization. */
export interface RestPatternProps extends RestApiPatternProps {
  readonly authorization?: ApiAuthorization;
  readonly endpointType?: apigateway.EndpointType;
}

/** One REST pattern of the library. */
export interface RestPatternEntry {
  readonly name: string;
  /** Builds the pattern with construct id `id` (default `Api`). */
  readonly build: (stack: Stack, props?: RestPatternProps, id?: string) => RestApiPattern;
}

export const REST_PATTERNS: RestPatternEntry[] = [
  {
    name: 'SecuredRestApi',
    build: (stack, props = {}, id = 'Api') => new SecuredRestApi(stack, id, { ...props, authorization: props.authorization ?? ApiAuthorization.iam() }),
  },
  {
    name: 'PrivateVpcApi',
    // A quick-start VPC (flow logs, closed default security group) beside the API, so the compliance rows stay clean.
    build: (stack, props = {}, id = 'Api') => new PrivateVpcApi(stack, id, { ...props, vpc: PrivateVpcApi.quickStartVpc(stack, `${id}Vpc`) }),
  },
  {
    name: 'MonetizedApi',
    // Two tiers, one with a quota; admin routes, customer table and usage export on (the pattern's defaults).
    build: (stack, props = {}, id = 'Api') => new MonetizedApi(stack, id, {
      ...props,
      authorization: props.authorization ?? ApiAuthorization.iam(),
      tiers: [
        { name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigateway.Period.MONTH } },
        { name: 'pro', throttle: { rateLimit: 100, burstLimit: 200 } },
      ],
    }),
  },
];

/** `describe.each` rows: `[name, entry]`. */
export const REST_PATTERN_ROWS: Array<[string, RestPatternEntry]> = REST_PATTERNS.map((p) => [p.name, p]);
