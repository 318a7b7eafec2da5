/**
 * Builds the monetization handlers' dependencies from the Lambda environment (the contract of ./contract.ts), once
 * per execution environment. The API Gateway client makes one attempt per call: ./retry.ts paces and retries, so
 * the account's control-plane rates are honoured with one backoff policy instead of two stacked ones.
 * No CDK imports: runs inside Lambda.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseMonetizedEnvironment } from './contract';
import { MonetizedDependencies } from './customers';
import { Log } from './errors';
import { KeyGateway } from './gateway';
import { CallContext, Clock, Pacer, systemClock } from './retry';
import { CustomerStore } from './store';

/** Paced, retried calls on the system clock. */
export function callContext(clock: Clock = systemClock): CallContext {
  return { clock, pacer: new Pacer(clock), random: Math.random };
}

/** A key gateway on a single-attempt API Gateway client. */
export function keyGateway(calls: CallContext = callContext()): KeyGateway {
  return new KeyGateway(new APIGatewayClient({ maxAttempts: 1 }), calls);
}

/** Everything the admin, export and Marketplace handlers share. */
export function monetizedDependencies(env: Record<string, string | undefined>, log: Log): MonetizedDependencies & { readonly calls: CallContext } {
  const config = parseMonetizedEnvironment(env);
  const calls = callContext();
  return {
    config,
    calls,
    gateway: keyGateway(calls),
    store: new CustomerStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.tableName),
    clock: calls.clock,
    log,
  };
}
