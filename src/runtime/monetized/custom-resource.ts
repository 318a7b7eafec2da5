/**
 * The CloudFormation custom resource protocol for the monetization custom resources (product code, tier cleanup,
 * key secret): validate the event (the rules of src/runtime/cache-control/logic.ts), run the work, PUT one
 * SUCCESS or FAILED answer to the presigned ResponseURL
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). The ResponseURL is a
 * secret and never logged; a FAILED reason carries an error code and a safe message, never a key value.
 * No CDK imports: runs inside Lambda.
 */
import * as https from 'node:https';
import { errorName, HttpError, Log } from './errors';
import { validateEvent } from '../cache-control/logic';

/** The request fields used here. */
export interface CfnEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** What the work reports: the physical id, and attributes (never secret). */
export interface CfnOutcome {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

export interface CfnDependencies {
  readonly log: Log;
  respond(responseUrl: string, body: string): Promise<void>;
}

/** Uploads the answer to the presigned URL (HTTPS PUT, empty content type, as CloudFormation expects). */
export function putResponse(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`response upload failed: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('response upload timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A property that must be a string matching `pattern`. */
export function stringProperty(props: Record<string, unknown> | undefined, name: string, pattern: RegExp): string {
  const value = props?.[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new HttpError(400, 'InvalidProperty', `${name} is invalid: must match ${pattern.source}`);
  return value;
}

/**
 * Runs `work` for a valid event and answers CloudFormation; returns the status sent. An invalid event (no https
 * ResponseURL, missing ids) cannot be answered and throws.
 */
export async function runCustomResource(event: CfnEvent, deps: CfnDependencies, kind: string, work: (event: CfnEvent) => Promise<CfnOutcome>): Promise<'SUCCESS' | 'FAILED'> {
  const invalid = validateEvent(event);
  if (invalid) throw new Error(`invalid custom resource event: ${invalid}`);
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'OK';
  let outcome: CfnOutcome = { physicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}/${kind}` };
  try {
    outcome = await work(event);
  } catch (e) {
    status = 'FAILED';
    reason = e instanceof HttpError ? `${e.code}: ${e.message}` : `${errorName(e)} (see the function log)`;
    deps.log('custom resource failed', { kind, requestType: event.RequestType, code: e instanceof HttpError ? e.code : errorName(e) });
  }
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(outcome.data && status === 'SUCCESS' ? { Data: outcome.data } : {}),
  });
  await deps.respond(event.ResponseURL, body);
  deps.log('custom resource', { kind, requestType: event.RequestType, status });
  return status;
}
