/**
 * Custom-domain options shared by the REST and WebSocket patterns.
 */
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { IConstruct } from 'constructs';
import { checkPattern } from './private/validation';

/**
 * A custom domain name for an API.
 */
export interface CustomDomainOptions {
  /** The domain name, e.g. `api.example.com` (lower-case DNS name). */
  readonly domainName: string;
  /** An ACM certificate for it (in the API's region; us-east-1 for EDGE REST domains). */
  readonly certificate: acm.ICertificate;
}

/** A lower-case DNS name of labels of 1-63 characters, at most 253 in all (RFC 1035). */
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Checks a custom domain name. */
export function validateDomainName(scope: IConstruct, prop: string, domainName: string): void {
  checkPattern(scope, prop, domainName, DNS_NAME, 'must be a lower-case DNS name such as api.example.com');
}
