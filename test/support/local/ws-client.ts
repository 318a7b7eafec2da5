/** A real `ws` client for the local WebSocket fronts, with an inbox of the JSON frames it received. */
import { WebSocket } from 'ws';

export interface ChatClient {
  readonly ws: WebSocket;
  /** Every frame received, parsed as JSON (non-JSON frames as `{ raw }`). */
  readonly inbox: any[];
  /** Resolves once the socket is closed, with the close code. */
  readonly closed: Promise<number>;
  send(body: unknown): void;
}

/** Opens a client; rejects with `HTTP <status>` when the handshake is refused. */
export function connectClient(url: string, headers: Record<string, string> = {}): Promise<ChatClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const inbox: any[] = [];
    let closedResolve!: (code: number) => void;
    const closed = new Promise<number>((r) => (closedResolve = r));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.on('error', (e) => reject(e));
    ws.on('close', (code) => closedResolve(code));
    ws.on('message', (data) => {
      const text = data.toString();
      try {
        inbox.push(JSON.parse(text));
      } catch {
        inbox.push({ raw: text });
      }
    });
    ws.on('open', () => resolve({ ws, inbox, closed, send: (body) => ws.send(typeof body === 'string' ? body : JSON.stringify(body)) }));
  });
}

/**
 * Polls `predicate` every 20 ms; throws after `timeoutMs`. The bound is for liveness, not speed (a passing wait ends
 * when the predicate holds): 30 s, since a loaded 2-core machine ran four sandboxed invocations past 10 s.
 */
export async function waitFor(predicate: () => boolean, timeoutMs: number = 30_000, what: string = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
