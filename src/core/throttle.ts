/**
 * Throttling options shared by the REST and WebSocket patterns.
 */
import { IConstruct } from 'constructs';
import { checkRange } from './private/validation';

/**
 * Request throttling.
 */
export interface ThrottleOptions {
  /**
   * Steady-state requests per second (a number >= 0).
   * @default - the stage or account limit
   */
  readonly rateLimit?: number;
  /**
   * Burst size in requests (an integer >= 0).
   * @default - the stage or account limit
   */
  readonly burstLimit?: number;
}

/** Checks a throttle against docs/limits.md. */
export function validateThrottle(scope: IConstruct, prop: string, throttle: ThrottleOptions | undefined): void {
  if (!throttle) return;
  checkRange(scope, `${prop}.rateLimit`, throttle.rateLimit, { min: 0 });
  checkRange(scope, `${prop}.burstLimit`, throttle.burstLimit, { min: 0, integer: true });
}
