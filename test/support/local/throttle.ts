/**
 * API Gateway's throttling as a token bucket: `burstLimit` tokens at most, refilled at `rateLimit` per second;
 * a request that finds the bucket empty is refused (429 for REST, a "Too Many Requests" error frame or a 429
 * handshake for WebSocket). Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 * ("token bucket algorithm, where a token counts for a request"; burst = bucket size, rate = refill per second).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    public readonly rateLimit: number,
    public readonly burstLimit: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burstLimit;
    this.last = now();
  }

  /** Takes a token; false when the request is throttled. */
  public take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((t - this.last) / 1000) * this.rateLimit);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
