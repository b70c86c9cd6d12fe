import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/**
 * Wakes long-polling requests when a session may have changed. In-process only; waiters also
 * re-read on a short timer, so changes made by another server process are seen too.
 */
@Injectable()
export class SessionChanges implements OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

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

  changed(id: string): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }

  changedAll(): void {
    for (const id of [...this.waiters.keys()]) this.changed(id);
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.changedAll();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
