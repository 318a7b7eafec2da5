/**
 * AWS Marketplace SaaS fulfilment for tiers sold as products
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/sell-api-as-saas-on-aws-marketplace.html):
 * - registration: Marketplace POSTs the buyer's browser to the fulfilment URL with `x-amzn-marketplace-token`;
 *   `ResolveCustomer` turns it into the buyer's CustomerIdentifier and ProductCode; the tier of that product code
 *   gets the buyer as a customer (customer id = CustomerIdentifier): a key is created, or an existing one reused,
 *   with the buyer's id set as its `customerId` (what API Gateway meters and bills by) and attached to the plan;
 * - subscription notifications (SNS, usually through SQS): `subscribe-success` attaches the buyer's key,
 *   `unsubscribe-success` and `subscribe-fail` detach it, `unsubscribe-pending` changes nothing (metering goes on
 *   until the unsubscription completes). Each is idempotent, and a notification older than the last one applied to
 *   the buyer (SNS Timestamp) is ignored.
 * No CDK imports: runs inside Lambda.
 */
import { MarketplaceMeteringClient, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering';
import { AdminEvent, MAX_BODY_BYTES, ProxyResult, respond } from './admin';
import { CUSTOMER_ID, tierForProduct } from './contract';
import { createCustomer, MonetizedDependencies } from './customers';
import { errorName, HttpError, toHttpError } from './errors';
import { CallContext, paced } from './retry';

export interface MarketplaceDependencies extends MonetizedDependencies {
  readonly metering: MarketplaceMeteringClient;
  readonly calls: CallContext;
}

const TOKEN = /^[A-Za-z0-9+/=_.%-]{1,4096}$/;
export const TOKEN_FIELD = 'x-amzn-marketplace-token';

/** The registration token from a form (or JSON) body, or a 400. */
export function registrationToken(event: AdminEvent): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new HttpError(413, 'BodyTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const type = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  let token: unknown;
  if (/^application\/json/i.test(type)) {
    try {
      token = (JSON.parse(text) as Record<string, unknown>)?.[TOKEN_FIELD];
    } catch {
      throw new HttpError(400, 'InvalidJson', 'the body is not JSON');
    }
  } else {
    token = new URLSearchParams(text).get(TOKEN_FIELD);
  }
  if (typeof token !== 'string' || !TOKEN.test(token)) throw new HttpError(400, 'MissingRegistrationToken', `${TOKEN_FIELD} is missing or malformed`);
  return token;
}

/** Registers the buyer behind a registration token; never throws. The key value is in the answer only the first time. */
export async function register(deps: MarketplaceDependencies, event: AdminEvent): Promise<ProxyResult> {
  try {
    const token = registrationToken(event);
    const resolved = await paced(deps.calls, 'ResolveCustomer', () => deps.metering.send(new ResolveCustomerCommand({ RegistrationToken: token })));
    const customerId = resolved.CustomerIdentifier;
    if (typeof customerId !== 'string' || !CUSTOMER_ID.test(customerId) || typeof resolved.ProductCode !== 'string') {
      throw new HttpError(502, 'UnexpectedResolution', 'ResolveCustomer returned no usable customer');
    }
    const tier = tierForProduct(deps.config, resolved.ProductCode);
    if (!tier) {
      deps.log('registration for an unknown product', { productCode: resolved.ProductCode });
      throw new HttpError(400, 'UnknownProduct', 'this product is not sold here');
    }
    const result = await createCustomer(deps, customerId, tier.name, {
      fields: { productCode: resolved.ProductCode, ...(resolved.CustomerAWSAccountId ? { awsAccountId: resolved.CustomerAWSAccountId } : {}) },
    });
    deps.log('buyer registered', { customerId, tier: tier.name, status: result.statusCode });
    return respond(result);
  } catch (e) {
    const error = toHttpError(e, deps.log, 'register');
    return respond({ statusCode: error.statusCode, body: { error: error.code, message: error.message } });
  }
}

/** A subscription notification, parsed. */
export interface SubscriptionNotification {
  readonly action: 'subscribe-success' | 'subscribe-fail' | 'unsubscribe-pending' | 'unsubscribe-success';
  readonly customerId: string;
  readonly productCode: string;
  /** SNS's Timestamp (ISO 8601), when known. */
  readonly at?: string;
  readonly topicArn?: string;
}

const ACTIONS = ['subscribe-success', 'subscribe-fail', 'unsubscribe-pending', 'unsubscribe-success'];

/** The notification in an SQS record body or an SNS record: an SNS envelope or the raw message; undefined if malformed. */
export function parseNotification(record: unknown): SubscriptionNotification | undefined {
  const r = record as { body?: unknown; Sns?: { Message?: unknown; Timestamp?: unknown; TopicArn?: unknown } };
  let envelope: Record<string, unknown> | undefined;
  try {
    envelope = r?.Sns ? (r.Sns as Record<string, unknown>) : typeof r?.body === 'string' ? JSON.parse(r.body) : undefined;
    if (!envelope || typeof envelope !== 'object') return undefined;
    const message = typeof envelope.Message === 'string' ? JSON.parse(envelope.Message) : envelope;
    const action = message?.action;
    const customerId = message?.['customer-identifier'];
    const productCode = message?.['product-code'];
    if (!ACTIONS.includes(action) || typeof customerId !== 'string' || !CUSTOMER_ID.test(customerId) || typeof productCode !== 'string') return undefined;
    const at = typeof envelope.Timestamp === 'string' && Number.isFinite(Date.parse(envelope.Timestamp)) ? envelope.Timestamp : undefined;
    const topicArn = typeof envelope.TopicArn === 'string' ? envelope.TopicArn : undefined;
    return { action, customerId, productCode, ...(at ? { at } : {}), ...(topicArn ? { topicArn } : {}) };
  } catch {
    return undefined;
  }
}

/** What applying a notification did. */
export type NotificationOutcome = 'attached' | 'detached' | 'noted' | 'ignored';

/** Applies one notification to the buyer's key (idempotent). */
export async function applyNotification(deps: MonetizedDependencies, n: SubscriptionNotification): Promise<NotificationOutcome> {
  const topics = deps.config.marketplaceTopicArns;
  if (topics.length && (!n.topicArn || !topics.includes(n.topicArn))) {
    deps.log('notification from an unexpected topic ignored', { action: n.action });
    return 'ignored';
  }
  const tier = tierForProduct(deps.config, n.productCode);
  if (!tier) {
    deps.log('notification for an unknown product ignored', { action: n.action, productCode: n.productCode });
    return 'ignored';
  }
  let lease;
  try {
    lease = await deps.store.acquire(n.customerId, deps.clock.now());
  } catch (e) {
    if (e instanceof HttpError && e.code === 'CustomerNotFound') {
      // Not registered yet: registration attaches the key then.
      deps.log('notification before registration', { action: n.action, customerId: n.customerId });
      return 'ignored';
    }
    throw e;
  }
  const record = lease.record;
  try {
    const last = record.marketplace?.subscriptionAt;
    if (n.at && last && Date.parse(n.at) < Date.parse(last)) {
      await deps.store.release(n.customerId, lease);
      deps.log('stale notification ignored', { action: n.action, customerId: n.customerId });
      return 'ignored';
    }
    let outcome: NotificationOutcome = 'noted';
    if (record.status === 'ACTIVE' && record.keyId) {
      if (n.action === 'subscribe-success') {
        await deps.gateway.attach(tier.usagePlanId, record.keyId);
        outcome = 'attached';
      } else if (n.action === 'unsubscribe-success' || n.action === 'subscribe-fail') {
        await deps.gateway.detach(tier.usagePlanId, record.keyId);
        outcome = 'detached';
      }
    }
    const marketplace = { ...record.marketplace, productCode: n.productCode, subscription: n.action, ...(n.at ? { subscriptionAt: n.at } : {}) };
    await deps.store.save(n.customerId, lease, { marketplace }, true, deps.clock.now());
    deps.log('subscription notification', { action: n.action, customerId: n.customerId, outcome });
    return outcome;
  } catch (e) {
    await deps.store.release(n.customerId, lease).catch(() => undefined);
    throw e;
  }
}

/** An SQS (or SNS) event of notifications; failures of SQS messages are reported per message for a retry. */
export async function handleNotifications(
  deps: MonetizedDependencies, event: { Records?: unknown[] },
): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of Array.isArray(event?.Records) ? event.Records : []) {
    const messageId = (record as { messageId?: unknown })?.messageId;
    const n = parseNotification(record);
    if (!n) {
      // A malformed message never becomes valid: dropped (after a log line), not retried.
      deps.log('malformed notification dropped', { messageId });
      continue;
    }
    try {
      await applyNotification(deps, n);
    } catch (e) {
      deps.log('notification failed', { action: n.action, customerId: n.customerId, code: e instanceof HttpError ? e.code : errorName(e) });
      if (typeof messageId !== 'string') throw e;
      failures.push({ itemIdentifier: messageId });
    }
  }
  return { batchItemFailures: failures };
}
