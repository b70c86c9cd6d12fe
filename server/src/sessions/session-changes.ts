import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection';

/** The Redis channel that carries "session ID may have changed" between servers. */
const CHANNEL = 'session-changes';
/** Message meaning "any session may have changed" (after a sweep). */
const ALL = '*';

/**
 * Wakes long-polling requests when a session may have changed. A change made here wakes this server's
 * waiters at once; with Redis it is also published (after the database commit: callers call `changed`
 * once their write returned) and wakes the waiters on every other server. A wake-up is only a hint: the
 * waiter re-reads the row (the database is the truth), and waiters also re-read on a timer, so a lost
 * message or a Redis that is down costs at most one re-read interval.
 */
@Injectable()
export class SessionChanges implements OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Tells this server's own messages apart, which it already acted on. */
  private readonly origin = randomUUID();
  private closed = false;

  constructor(@Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null) {
    redis?.subscribe(CHANNEL, (message) => this.received(message));
  }

  /** Resolves when `id` changes, when anything may have changed, or after `ms`. */
  next(id: string, ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Session `id` changed (its write is committed): wake its waiters here and on the other servers. */
  changed(id: string): void {
    this.wake(id);
    this.publish(id);
  }

  /** Any session may have changed (a sweep closed some). */
  changedAll(): void {
    this.wakeAll();
    this.publish(ALL);
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.wakeAll();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(id: string): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }

  private wakeAll(): void {
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }

  /** Fire and forget: a message that cannot be sent is covered by the waiters' re-read timer. */
  private publish(id: string): void {
    void this.redis?.publish(CHANNEL, `${this.origin} ${id}`);
  }

  private received(message: string): void {
    const [origin, id] = message.split(' ');
    if (origin === this.origin || id === undefined) return;
    if (id === ALL) this.wakeAll();
    else this.wake(id);
  }
}
