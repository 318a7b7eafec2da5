/**
 * Synth-time validation of the chat's limits and room access, into the runtime contract's terms. Internal.
 */
import { Construct } from 'constructs';
import { ChatLimits, ChatRoomAccess } from './options';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { checkDuration, checkPattern, checkRange, fail } from '../core/private/validation';
import { CHAT_BOUNDS, CHAT_DEFAULTS, CLAIM_NAME, CLAIM_PREFIX, ChatLimitsConfig, RoomAccessConfig } from '../runtime/chat/contract';

/** The validated limits, defaults filled in. */
export function chatLimitsConfig(scope: Construct, limits: ChatLimits = {}): ChatLimitsConfig {
  const check = (prop: keyof typeof CHAT_BOUNDS, value: number | undefined) => checkRange(scope, `limits.${prop}`, value, { ...CHAT_BOUNDS[prop], integer: true });
  check('messagesPerWindow', limits.messagesPerWindow);
  check('connectionsPerUser', limits.connectionsPerUser);
  check('roomSize', limits.roomSize);
  const window = limits.messageWindow;
  checkDuration(scope, 'limits.messageWindow', window, { minSeconds: CHAT_BOUNDS.windowSeconds.min, maxSeconds: CHAT_BOUNDS.windowSeconds.max });
  const windowSeconds = window === undefined || window.isUnresolved() ? CHAT_DEFAULTS.windowSeconds : window.toMilliseconds() / 1000;
  if (!Number.isInteger(windowSeconds)) fail(scope, 'limits.messageWindow', window, 'must be whole seconds');
  return {
    messagesPerWindow: limits.messagesPerWindow ?? CHAT_DEFAULTS.messagesPerWindow,
    windowSeconds,
    connectionsPerUser: limits.connectionsPerUser ?? CHAT_DEFAULTS.connectionsPerUser,
    roomSize: limits.roomSize ?? CHAT_DEFAULTS.roomSize,
  };
}

/** The validated room access; claims come from an authorizer's context, so only jwt() and lambdaRequest() have them. */
export function roomAccessConfig(scope: Construct, access: ChatRoomAccess | undefined, auth: ApiAuthorization): RoomAccessConfig {
  if (!access || access.mode === 'open') return { mode: 'open' };
  if (auth.kind !== AuthorizationKind.JWT && auth.kind !== AuthorizationKind.LAMBDA_REQUEST) {
    fail(scope, 'roomAccess', `fromClaim(${access.contextKey})`, 'needs an authorizer context: use jwt() or lambdaRequest() authorization');
  }
  checkPattern(scope, 'roomAccess contextKey', access.contextKey, CLAIM_NAME, 'must be 1-128 letters, digits or "_.:-"');
  checkPattern(scope, 'roomAccess prefix', access.prefix ?? '', CLAIM_PREFIX, 'must be at most 64 letters, digits or "_.:/-"');
  return { mode: 'claim', claim: access.contextKey!, prefix: access.prefix ?? '' };
}
