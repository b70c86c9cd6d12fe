/**
 * Runs `work` every `intervalMs` on an unref'd timer (it never keeps the process alive), never two runs at
 * once; a failed run is logged as one JSON line on stderr (the database may be briefly away) and the next
 * tick tries again. Used by the sweepers (sessions, deliveries).
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
    } catch (error) {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: `${this.name} failed`, error: (error as Error).message })}\n`);
    } finally {
      this.running = false;
    }
  }
}
