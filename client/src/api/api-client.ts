/** Typed client for the sft server API (docs/api.md). One method per endpoint. */
import { DEFAULT_WAIT_SECONDS } from '../../../server/src/sessions/session-limits';
import { ApiError } from './api-error';
import type { IncomingMessage } from 'node:http';
import { requestJson, requestStream } from './https-json';
import type {
  CreateDeliveryBody, CreatedDelivery, CreateSessionBody, DeliveryKeyAnswer, DeliveryView, OpenedDelivery, ReceiptBody, UploadProgress, JoinAnswer, LoginAnswer, MeAnswer, OfferView, RejoinBody, RelayTicketAnswer, ReportBody, SessionState, SessionView, SessionWithKey,
  SigningKeyAnswer, UserAnswer,
} from './types';

export interface ApiClientOptions {
  serverUrl: string;
  /** CA certificate PEM to trust for this server. */
  ca?: string;
  /** Bearer token. Secret. */
  token?: string;
}

/** Extra seconds on top of a long-poll's own timeout before the HTTP request gives up. */
const LONG_POLL_MARGIN_MS = 15_000;
/** How long one upload part (or an idle gap in a download) may take. */
const PART_TIMEOUT_MS = 120_000;

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get serverUrl(): string {
    return this.options.serverUrl;
  }

  register(username: string, password: string): Promise<UserAnswer> {
    return this.call('POST', 'auth/register', { username, password });
  }

  login(username: string, password: string): Promise<LoginAnswer> {
    return this.call('POST', 'auth/login', { username, password });
  }

  logout(): Promise<void> {
    return this.call('POST', 'auth/logout');
  }

  me(): Promise<MeAnswer> {
    return this.call('GET', 'auth/me');
  }

  putSigningKey(publicKey: string): Promise<SigningKeyAnswer> {
    return this.call('PUT', 'users/me/signing-key', { publicKey });
  }

  getSigningKey(username: string): Promise<SigningKeyAnswer> {
    return this.call('GET', `users/${encodeURIComponent(username)}/signing-key`);
  }

  putDeliveryKey(publicKey: string, signature: string): Promise<DeliveryKeyAnswer> {
    return this.call('PUT', 'users/me/delivery-key', { publicKey, signature });
  }

  getDeliveryKey(username: string): Promise<DeliveryKeyAnswer> {
    return this.call('GET', `users/${encodeURIComponent(username)}/delivery-key`);
  }

  createSession(body: CreateSessionBody): Promise<SessionWithKey> {
    return this.call('POST', 'sessions', body);
  }

  listSessions(): Promise<SessionView[]> {
    return this.call('GET', 'sessions');
  }

  /** Waiting sessions opened `--to` me. */
  listOffers(): Promise<OfferView[]> {
    return this.call('GET', 'sessions/offers');
  }

  getSession(id: string): Promise<SessionView> {
    return this.call('GET', `sessions/${encodeURIComponent(id)}`);
  }

  /** Long-polls until the session's state is no longer `state`, or `timeoutSeconds` (the server's default) pass. */
  waitSession(id: string, state: SessionState, timeoutSeconds = DEFAULT_WAIT_SECONDS, signal?: AbortSignal): Promise<SessionView> {
    const query = `state=${encodeURIComponent(state)}&timeout=${timeoutSeconds}`;
    const { serverUrl, ca, token } = this.options;
    const path = `sessions/${encodeURIComponent(id)}/wait?${query}`;
    const timeoutMs = timeoutSeconds * 1000 + LONG_POLL_MARGIN_MS;
    return requestJson<SessionView>({ baseUrl: serverUrl, method: 'GET', path, token, ca, timeoutMs, signal });
  }

  /** Joins a session (refused here when the host has no signing key: see `withHostSigningKey`). */
  async joinSession(id: string, certificate: string): Promise<JoinAnswer & { hostSigningKey: string }> {
    return withHostSigningKey(await this.call<JoinAnswer>('POST', `sessions/${encodeURIComponent(id)}/join`, { certificate }));
  }

  /**
   * The peer link of `attempt` dropped: the session becomes `interrupted` (once, whoever says it first) and may
   * resume until its `expiresAt`. A stale attempt changes nothing; the answer is the session as it is.
   */
  interruptSession(id: string, attempt: number, reason?: string): Promise<SessionView> {
    return this.call('POST', `sessions/${encodeURIComponent(id)}/interrupt`, reason === undefined ? { attempt } : { attempt, reason });
  }

  /** The link of `attempt` carried a HELLO exchange: an interrupted session at that attempt is `joined` again. */
  reconnectedSession(id: string, attempt: number): Promise<SessionView> {
    return this.call('POST', `sessions/${encodeURIComponent(id)}/reconnected`, { attempt });
  }

  /**
   * After a restart: this participant's new certificate (the host's: and address) replaces the old one; answers
   * like join (the session key again). A joined session becomes interrupted at the next attempt.
   */
  async rejoinSession(id: string, body: RejoinBody): Promise<JoinAnswer & { hostSigningKey: string }> {
    return withHostSigningKey(await this.call<JoinAnswer>('POST', `sessions/${encodeURIComponent(id)}/rejoin`, body));
  }

  /** `body.linkBytes`: the file bytes this side moved over the peer links, all attempts together. */
  report(id: string, body: ReportBody): Promise<SessionView> {
    return this.call('POST', `sessions/${encodeURIComponent(id)}/report`, body);
  }

  /** A single-use ticket for the session's relay (participants only; 503 when the server names no relay). */
  relayTicket(id: string): Promise<RelayTicketAnswer> {
    return this.call('POST', `sessions/${encodeURIComponent(id)}/relay-ticket`);
  }

  cancel(id: string, reason?: string): Promise<SessionView> {
    return this.call('POST', `sessions/${encodeURIComponent(id)}/cancel`, reason ? { reason } : {});
  }

  createDelivery(body: CreateDeliveryBody): Promise<CreatedDelivery> {
    return this.call('POST', 'deliveries', body);
  }

  listDeliveries(): Promise<DeliveryView[]> {
    return this.call('GET', 'deliveries');
  }

  getDelivery(id: string): Promise<DeliveryView> {
    return this.call('GET', `deliveries/${encodeURIComponent(id)}`);
  }

  /** Uploads part `index` of a delivery's ciphertext (raw bytes). */
  putDeliveryPart(id: string, index: number, part: Buffer, timeoutMs = PART_TIMEOUT_MS): Promise<UploadProgress> {
    const { serverUrl, ca, token } = this.options;
    return requestJson<UploadProgress>({ baseUrl: serverUrl, method: 'PUT', path: `deliveries/${encodeURIComponent(id)}/parts/${index}`, rawBody: part, token, ca, timeoutMs });
  }

  completeDelivery(id: string): Promise<DeliveryView> {
    return this.call('POST', `deliveries/${encodeURIComponent(id)}/complete`);
  }

  openDelivery(id: string): Promise<OpenedDelivery> {
    return this.call('POST', `deliveries/${encodeURIComponent(id)}/open`);
  }

  /** The ciphertext of a delivery, as a stream to read. */
  downloadDelivery(id: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const { serverUrl, ca, token } = this.options;
    return requestStream({ baseUrl: serverUrl, path: `deliveries/${encodeURIComponent(id)}/blob`, token, ca, timeoutMs: PART_TIMEOUT_MS, signal });
  }

  deliveryReceipt(id: string, body: ReceiptBody): Promise<DeliveryView> {
    return this.call('POST', `deliveries/${encodeURIComponent(id)}/receipt`, body);
  }

  withdrawDelivery(id: string): Promise<DeliveryView> {
    return this.call('POST', `deliveries/${encodeURIComponent(id)}/withdraw`);
  }

  private call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const { serverUrl, ca, token } = this.options;
    return requestJson<T>({ baseUrl: serverUrl, method, path, body, token, ca, timeoutMs });
  }
}

/**
 * The host's signing key is needed to check who is on the other end, so an answer without one (a host who
 * never uploaded a key) is refused here, like the host's own lookup of the joiner.
 */
function withHostSigningKey(answer: JoinAnswer): JoinAnswer & { hostSigningKey: string } {
  const { hostSigningKey } = answer;
  if (hostSigningKey === null) {
    throw new ApiError(404, 'signing_key_missing', `${answer.session.host} has not uploaded a signing key yet, so their identity cannot be checked.`);
  }
  return { ...answer, hostSigningKey };
}
