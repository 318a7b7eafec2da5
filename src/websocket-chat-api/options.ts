import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ApiAuthorization } from '../core/authorization';
import { CustomDomainOptions } from '../core/domain';
import { ObservabilityOptions } from '../core/observability';
import { ThrottleOptions } from '../core/throttle';

/**
 * Properties of `WebSocketChatApi`.
 */
export interface WebSocketChatApiProps {
  /**
   * Authorization of `$connect` (API Gateway authorizes WebSocket connections only there): `jwt()` (token where
   * `tokenSource` says), `lambdaRequest()` with `route.request.*` identity sources, `iam()`, or `none()`
   * (anonymous connections, each shown to peers under a random alias).
   */
  readonly authorization: ApiAuthorization;
  /**
   * Where clients send the JWT on `$connect` (jwt() only): the authorizer's one identity source.
   * @default ChatTokenSource.queryString('token') - browsers cannot set headers on a WebSocket
   */
  readonly tokenSource?: ChatTokenSource;
  /**
   * Who may join which room.
   * @default ChatRoomAccess.open() - any connection joins any room
   */
  readonly roomAccess?: ChatRoomAccess;
  /**
   * Per-connection message rate, per-user connections and room size.
   * @default - see `ChatLimits`: 20 messages per 10 s, 10 connections per user, 10,000 members per room
   */
  readonly limits?: ChatLimits;
  /**
   * Concurrency reserved for the chat functions.
   * @default - none reserved
   */
  readonly reservedConcurrency?: ChatReservedConcurrency;
  /**
   * Stage name.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Default throttling of every route.
   * @default - 500 messages per second with a burst of 1,000
   */
  readonly throttle?: ThrottleOptions;
  /**
   * Throttling per route key, e.g. `{ sendmessage: { rateLimit: 50, burstLimit: 100 } }`.
   * @default - `sendmessage` 100 per second with a burst of 200 (a flood of messages cannot take the capacity of
   * `$connect` and `$disconnect`); other routes the default throttling
   */
  readonly routeThrottles?: Record<string, ThrottleOptions>;
  /**
   * Logs, alarms, dashboard.
   * @default - see `ObservabilityOptions`
   */
  readonly observability?: ObservabilityOptions;
  /**
   * Create the account-level CloudWatch Logs role of API Gateway (once per app and environment).
   * @default true
   */
  readonly accountLogging?: boolean;
  /**
   * A custom domain mapped to the stage (security policy TLS 1.2). The handlers still post to the API's own
   * execute-api `@connections` endpoint: through a custom domain that path maps elsewhere.
   * @default - no custom domain
   */
  readonly domain?: CustomDomainOptions;
  /**
   * VPC for the chat functions (private subnets with egress).
   * @default - no VPC; the "Lambda in VPC" findings are acknowledged on each function, with the reason
   */
  readonly lambdaVpc?: ec2.IVpc;
}


/**
 * Where clients send the JWT on `$connect`. API Gateway answers 401 WITHOUT invoking the authorizer when one of its
 * identity sources is missing, so the authorizer's single identity source is exactly this location, and the
 * bundled JWT authorizer reads the token from there only.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export class ChatTokenSource {
  /**
   * A query-string parameter (`wss://...?token=<jwt>`): the one choice for browsers, which cannot set headers on a
   * WebSocket. Query strings can end up in proxy logs; the library's access logs never record them.
   *
   * @param name the parameter, 1-128 letters, digits, `.`, `_`, `~` or `-`
   */
  public static queryString(name: string = 'token'): ChatTokenSource {
    return new ChatTokenSource('querystring', name);
  }

  /**
   * A request header (`Authorization: Bearer <jwt>`), for clients that can set headers (native apps, servers).
   *
   * @param name the header; it must be the JWT authorization's `headerName`
   * @default - the JWT authorization's `headerName` (default `Authorization`)
   */
  public static header(name?: string): ChatTokenSource {
    return new ChatTokenSource('header', name);
  }

  /** `querystring` or `header`. */
  public readonly location: string;
  /** The parameter or header name; undefined for the JWT authorization's header. */
  public readonly name?: string;

  private constructor(location: string, name?: string) {
    this.location = location;
    this.name = name;
  }
}

/**
 * Who may join which room.
 */
export class ChatRoomAccess {
  /** Any connection may join any room (the default). */
  public static open(): ChatRoomAccess {
    return new ChatRoomAccess('open');
  }

  /**
   * Rooms are listed in a value of the `$connect` authorizer's context, stored with the connection at `$connect`:
   * entries separated by spaces or commas, each `<prefix><room>`, or `<prefix>*` for every room. With the bundled
   * JWT authorizer use the `scope` claim (`fromClaim('scope', 'chat.room:')` admits a token with scope
   * `chat.room:general` to room `general`); with a Lambda authorizer, any context key it returns. A connection
   * without the value joins no room.
   *
   * @param contextKey the authorizer-context key, 1-128 letters, digits or `_.:-`
   * @param prefix what every room entry starts with, at most 64 letters, digits or `_.:/-`
   */
  public static fromClaim(contextKey: string, prefix: string = ''): ChatRoomAccess {
    return new ChatRoomAccess('claim', contextKey, prefix);
  }

  /** `open` or `claim`. */
  public readonly mode: string;
  /** The authorizer-context key (claim mode). */
  public readonly contextKey?: string;
  /** The room-entry prefix (claim mode). */
  public readonly prefix?: string;

  private constructor(mode: string, contextKey?: string, prefix?: string) {
    this.mode = mode;
    this.contextKey = contextKey;
    this.prefix = prefix;
  }
}

/**
 * Per-connection, per-user and per-room limits. Counts read DynamoDB indexes that are eventually consistent: under
 * concurrent connects or joins a cap can be passed by the few requests in flight.
 */
export interface ChatLimits {
  /**
   * Messages one connection may send per `messageWindow` (1-10,000); more are refused with `RateLimited`.
   * @default 20
   */
  readonly messagesPerWindow?: number;
  /**
   * The rate limit's fixed window (1 s to 1 h, whole seconds).
   * @default Duration.seconds(10)
   */
  readonly messageWindow?: Duration;
  /**
   * Open connections per user identity (1-10,000); `$connect` past it is refused (HTTP 429). Anonymous
   * connections (`none()`) are not capped per user: each gets its own alias.
   * @default 10
   */
  readonly connectionsPerUser?: number;
  /**
   * Members per room (1-10,000,000); `joinroom` past it is refused with `RoomFull`. Each join counts the room's
   * members up to this cap (a Query of the room index that reads at most this many keys).
   * @default 10000
   */
  readonly roomSize?: number;
}

/**
 * Concurrency reserved for the chat functions. Nothing is reserved by default: Lambda refuses a reservation that
 * leaves the account under 100 unreserved executions, and new accounts often have a quota of 10 or 50.
 */
export interface ChatReservedConcurrency {
  /**
   * For the `$connect`/`$disconnect` function: capacity no other function can take.
   * @default - none
   */
  readonly connections?: number;
  /**
   * For the message routes' function: also caps how much of the account a message flood can occupy.
   * @default - none
   */
  readonly messages?: number;
  /**
   * For the fan-out worker.
   * @default - none
   */
  readonly fanOut?: number;
}

/**
 * A custom domain for the WebSocket API (TLS 1.2).
 *
 * @deprecated use `CustomDomainOptions`, which the REST patterns share
 */
export interface ChatDomainOptions extends CustomDomainOptions {}

/**
 * Options of a WebSocket route.
 */
export interface ChatRouteOptions {
  /**
   * Authorizer: only on `$connect`.
   * @default - none
   */
  readonly authorizer?: apigwv2.IWebSocketRouteAuthorizer;
  /**
   * Throttling of this route.
   * @default - the API's default throttling
   */
  readonly throttle?: ThrottleOptions;
}
