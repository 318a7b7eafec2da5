/**
 * Shared set-up of the chat end-to-end tests that run on the synthesized assembly: synthesize `WebSocketChatApi`
 * with the props a case needs, remember the logical ids of its three functions (to find them in the local cloud),
 * and read the connection table the local cloud created from the template. Nothing here wires the fronts: the
 * local cloud takes routes, authorizers, environments and callback URLs from the assembly.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, WebSocketChatApi, WebSocketChatApiProps } from '../../../src';
import { LocalFunction } from '../../support/local/functions';
import { LocalIssuer } from '../../support/local/issuer';
import { LocalCloud } from '../../support/local/local-cloud';
import { synthesize } from '../../support/local/synth';

export interface ChatAssembly {
  /** The cloud assembly's directory. */
  readonly dir: string;
  /** Logical ids of the message handler, the `$connect`/`$disconnect` handler and the fan-out worker. */
  readonly logicalIds: { readonly handler: string; readonly connectionHandler: string; readonly fanOutHandler: string };
}

/** The chat tests' `$connect` authorization: the bundled JWT authorizer trusting the local issuer, audience `chat`. */
export function chatJwt(issuer: LocalIssuer): ApiAuthorization {
  return ApiAuthorization.jwt({ issuer: issuer.issuer, audience: ['chat'], jwksUri: issuer.jwksUri });
}

/** Synthesizes one `WebSocketChatApi` in stack `stackName`; `mutate` changes it through its escape hatches. */
export function synthesizeChat(
  stackName: string,
  props: WebSocketChatApiProps,
  mutate: (chat: WebSocketChatApi) => void = () => undefined,
): ChatAssembly {
  let logicalIds!: ChatAssembly['logicalIds'];
  const dir = synthesize((app) => {
    const stack = new Stack(app, stackName);
    const chat = new WebSocketChatApi(stack, 'Chat', props);
    mutate(chat);
    const id = (fn: lambda.IFunction) => stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    logicalIds = { handler: id(chat.handler), connectionHandler: id(chat.connectionHandler), fanOutHandler: id(chat.fanOutHandler) };
  });
  return { dir, logicalIds };
}

/** The local function of the assembly with this logical id. */
export function localFunction(cloud: LocalCloud, logicalId: string): LocalFunction {
  const found = [...cloud.functions.values()].find((f) => f.definition.resource.logicalId === logicalId);
  if (!found) throw new Error(`no local function ${logicalId}`);
  return found;
}

/** The one DynamoDB table of the chat assembly, as the local cloud created it. */
export function connectionTable(cloud: LocalCloud): string {
  const names = [...cloud.dynamo.tables.keys()];
  if (names.length !== 1) throw new Error(`expected one table, found ${names.join(', ')}`);
  return names[0];
}

/** The stored connection (read directly, strongly consistent), or undefined. */
export async function connectionItem(cloud: LocalCloud, connectionId: string): Promise<Record<string, any> | undefined> {
  const out = await cloud.dynamo.local.doc.send(new GetCommand({ TableName: connectionTable(cloud), Key: { connectionId }, ConsistentRead: true }));
  return out.Item;
}

/** Polls until the connection's item is gone (bounded); resolves false when it is still there. */
export async function connectionRemoved(cloud: LocalCloud, connectionId: string, timeoutMs: number = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (await connectionItem(cloud, connectionId)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Items of an index with this key value (COUNT), through every page. */
export async function indexCount(cloud: LocalCloud, indexName: string, attribute: string, value: string): Promise<number> {
  let count = 0;
  let key: Record<string, unknown> | undefined;
  do {
    const page = await cloud.dynamo.local.doc.send(
      new QueryCommand({
        TableName: connectionTable(cloud),
        IndexName: indexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': attribute },
        ExpressionAttributeValues: { ':v': value },
        Select: 'COUNT',
        ExclusiveStartKey: key,
      }),
    );
    count += page.Count ?? 0;
    key = page.LastEvaluatedKey;
  } while (key);
  return count;
}
