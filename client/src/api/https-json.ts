/**
 * One JSON request over HTTPS with node:https. Certificate verification always stays on:
 * the only knob is `ca`, the extra certificate authority to trust (from --ca, SFT_CA or config).
 */
import type { IncomingMessage } from 'node:http';
import * as https from 'node:https';
import { ApiError, ServerNotTrustedError, ServerUnreachableError } from './api-error';

export interface JsonRequest {
  baseUrl: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Sent as is, `application/octet-stream` (instead of a JSON `body`): upload parts of stored deliveries. */
  rawBody?: Buffer;
  token?: string;
  /** PEM of a CA to trust in addition to nothing else (replaces the system roots when given). */
  ca?: string;
  timeoutMs?: number;
  /** Aborts the request (it then rejects with an AbortError). */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'ECONNABORTED', 'EADDRNOTAVAIL',
]);

/** Sends the request; resolves with the parsed JSON body (undefined for 204), rejects with an API error type. */
export function requestJson<T>(request: JsonRequest): Promise<T> {
  const url = new URL(request.path, ensureTrailingSlash(request.baseUrl));
  if (url.protocol !== 'https:') {
    return Promise.reject(new ApiError(0, 'insecure_url', `The server URL must start with https:// (got ${request.baseUrl}).`));
  }
  const payload = request.rawBody ?? (request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body)));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) {
    headers['content-type'] = request.rawBody ? 'application/octet-stream' : 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (request.token) headers.authorization = `Bearer ${request.token}`;

  return new Promise<T>((resolve, reject) => {
    const req = https.request(
      url,
      { method: request.method, headers, ca: request.ca, agent: false, timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: request.signal },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
          else chunks.push(chunk);
        });
        res.on('error', (error) => reject(toNetworkError(error, request)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const body = parseJson(text);
          if (status >= 200 && status < 300) resolve(body as T);
          else reject(toApiError(status, body));
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => reject(toNetworkError(error, request)));
    req.end(payload);
  });
}

/**
 * A GET whose 2xx answer is a byte stream (a stored delivery's ciphertext): resolves with the response to
 * read from; an error answer rejects as `requestJson` would. The timeout applies to each idle gap.
 */
export function requestStream(request: Omit<JsonRequest, 'method' | 'body' | 'rawBody'> & { range?: string }): Promise<IncomingMessage> {
  const url = new URL(request.path, ensureTrailingSlash(request.baseUrl));
  if (url.protocol !== 'https:') {
    return Promise.reject(new ApiError(0, 'insecure_url', `The server URL must start with https:// (got ${request.baseUrl}).`));
  }
  const headers: Record<string, string> = { accept: 'application/octet-stream, application/json' };
  if (request.range) headers.range = request.range;
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'GET', headers, ca: request.ca, agent: false, timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: request.signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
        res.on('error', (error) => reject(toNetworkError(error, { ...request, method: 'GET' })));
        res.on('end', () => reject(toApiError(status, parseJson(Buffer.concat(chunks).toString('utf8')))));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => reject(toNetworkError(error, { ...request, method: 'GET' })));
    req.end();
  });
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function toApiError(status: number, body: unknown): ApiError {
  const fields = (body ?? {}) as { code?: unknown; message?: unknown; state?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : `http_${status}`;
  const rawMessage = Array.isArray(fields.message) ? fields.message.join('; ') : fields.message;
  const message = typeof rawMessage === 'string' && rawMessage ? rawMessage : `The server answered HTTP ${status}.`;
  return new ApiError(status, code, message, typeof fields.state === 'string' ? fields.state : undefined);
}

function toNetworkError(error: Error, request: JsonRequest): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (error.name === 'AbortError') return error;
  if (isCertificateError(code)) return new ServerNotTrustedError(request.baseUrl, code, Boolean(request.ca));
  if (UNREACHABLE_CODES.has(code) || code.startsWith('ERR_SSL') || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new ServerUnreachableError(request.baseUrl, code);
  }
  return new ServerUnreachableError(request.baseUrl, error.message);
}

function isCertificateError(code: string): boolean {
  return (
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    code.includes('CERT') ||
    code.includes('SELF_SIGNED') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  );
}
