/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are read loosely, like JSON. */
import { request as httpsRequest, type Agent } from 'node:https';

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** The raw text of the answer. */
  text: string;
  /** The raw bytes of the answer (a blob download). */
  bytes: Buffer;
}

export interface RequestOptions {
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as-is (for malformed or oversized bodies). */
  raw?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * A small HTTPS JSON client that trusts exactly the given CA (verification stays on).
 * `client.post('/auth/login', { body })` → `{ status, body }`. A connection per request, unless an `agent`
 * is given (keep-alive connections opened in advance let many requests reach the server at once).
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly caPem: string,
    private readonly agent: Agent | false = false,
  ) {}

  get<T = any>(path: string, options: RequestOptions = {}) {
    return this.request<T>('GET', path, options);
  }

  post<T = any>(path: string, options: RequestOptions = {}) {
    return this.request<T>('POST', path, options);
  }

  put<T = any>(path: string, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, options);
  }

  request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, headers, ca: this.caPem, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? null : JSON.parse(text);
          } catch {
            // Not JSON (e.g. the /docs page): keep the text.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text, bytes });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
