/** A minimal keep-alive HTTPS JSON client for the load loop; it trusts exactly the server's CA (verification on). */
import { Agent, request } from 'node:https';

/** Below the server's keep-alive timeout (server/src/config/connection-limits.ts, 5 s). */
const IDLE_SOCKET_MS = 3_000;

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class LoadClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    caPem: string,
    maxSockets: number,
  ) {
    // Idle sockets are closed on our side before the server's 5 s keep-alive timeout: at exactly 5 s a request
    // could go out on a socket the server is closing, and fail with "socket hang up" (Node 20 has no margin).
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: caPem, timeout: IDLE_SOCKET_MS });
  }

  /** POST/PUT a JSON body; throws a one-line error unless the status is `expect`. */
  async send(method: string, path: string, body: unknown, token: string | null, expect: number): Promise<Record<string, unknown>> {
    const answer = await this.request(method, path, body, token);
    if (answer.status !== expect) throw new Error(`${method} ${path} answered ${answer.status} ${String(answer.body.code ?? '')}`.trim());
    return answer.body;
  }

  request(method: string, path: string, body: unknown, token: string | null): Promise<JsonAnswer> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.baseUrl), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
