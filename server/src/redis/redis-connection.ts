import Redis, { type RedisOptions } from 'ioredis';
import { redactUrl } from '../common/redact-url';

/** Injection token of the server's RedisConnection, or null when no SFT_REDIS_URL is set (one server). */
export const REDIS_CONNECTION = Symbol('RedisConnection');

/** How long the server waits for Redis at start before it starts anyway (and says so). */
const FIRST_CONTACT_MS = 3000;

/**
 * No command waits for a connection that is not there (no offline queue) or for a Redis that does not
 * answer (command timeout): callers fall back (wake-ups, sweeper lock) or fail closed (limits) at once.
 * ioredis reconnects on its own, with this backoff, for as long as the server runs.
 */
const OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  autoResubscribe: false,
  retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
};

type Log = (level: 'warn' | 'info', msg: string, fields: Record<string, unknown>) => void;

const stderrLog: Log = (level, msg, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);

/**
 * The server's two connections to Redis: one for commands (counters, lock, publish) and one that only
 * listens (pub/sub). Says once when Redis stops answering and once when it is back — never a line per retry.
 */
export class RedisConnection {
  readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, (message: string) => void>();
  private readonly where: string;
  private up = false;
  private warned = false;
  private closing = false;

  private constructor(
    url: string,
    /** Prefix of every key and channel (SFT_REDIS_PREFIX). */
    private readonly prefix: string,
    private readonly log: Log,
  ) {
    this.where = redactUrl(url);
    this.client = new Redis(url, OPTIONS);
    this.subscriber = new Redis(url, OPTIONS);
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (error: Error) => this.markDown(error));
    this.client.on('close', () => this.markDown(new Error('connection closed')));
    // The listening connection's state is told by the command connection; on every (re)connect it subscribes again.
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('message', (channel: string, message: string) => this.channels.get(channel)?.(message));
  }

  /** Connects, waiting a little for Redis; a Redis that does not answer yet is reported, not fatal. */
  static async open(url: string, prefix: string, log: Log = stderrLog): Promise<RedisConnection> {
    const connection = new RedisConnection(url, prefix, log);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, FIRST_CONTACT_MS);
      connection.client.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    if (!connection.up) connection.markDown(new Error(`no answer within ${FIRST_CONTACT_MS} ms`));
    return connection;
  }

  /** `name` with this deployment's prefix. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Whether the command connection is ready now. */
  get isUp(): boolean {
    return this.up;
  }

  /** Whether Redis answers PING now (within the command timeout); a failure is reported like a lost connection. */
  async answers(): Promise<boolean> {
    try {
      await this.client.ping();
      return true;
    } catch (error) {
      this.markDown(error as Error);
      return false;
    }
  }

  /** Calls `onMessage` for every message on `channel` (prefixed), from now on and after every reconnect. */
  subscribe(channel: string, onMessage: (message: string) => void): void {
    this.channels.set(this.key(channel), onMessage);
    if (this.subscriber.status === 'ready') void this.resubscribe();
  }

  /** Publishes on `channel` (prefixed); resolves false instead of failing when Redis does not answer. */
  async publish(channel: string, message: string): Promise<boolean> {
    try {
      await this.client.publish(this.key(channel), message);
      return true;
    } catch (error) {
      this.markDown(error as Error);
      return false;
    }
  }

  /** For callers whose command failed: reported like a lost connection (once). */
  noteFailure(error: unknown): void {
    this.markDown(error instanceof Error ? error : new Error(String(error)));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.client, this.subscriber].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  /** Called by Nest when the application closes (after the HTTP server stopped). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async resubscribe(): Promise<void> {
    const channels = [...this.channels.keys()];
    if (channels.length > 0) await this.subscriber.subscribe(...channels).catch(() => undefined);
  }

  private markUp(): void {
    this.up = true;
    if (!this.warned) return;
    this.warned = false;
    this.log('info', 'Redis answers again: shared limits, wake-ups and the sweeper lock are back', { redis: this.where });
  }

  private markDown(error: Error): void {
    if (this.closing) return;
    // A command that failed while the connection still looked up means it is not (a hung Redis).
    this.up = this.up && this.client.status === 'ready' && !isTimeout(error);
    if (this.up || this.warned) return;
    this.warned = true;
    this.log(
      'warn',
      'Redis does not answer: long-polls fall back to re-reading the database, the sweeper runs without its lock, ' +
        'and requests that must pass a rate limit (login, join, user lookups) answer 503 rate_limit_unavailable until it is back',
      { redis: this.where, error: (error as NodeJS.ErrnoException).code ?? error.message },
    );
  }
}

function isTimeout(error: Error): boolean {
  return /timed? ?out/i.test(error.message);
}
