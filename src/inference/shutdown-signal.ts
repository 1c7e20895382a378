import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PendingWrites } from '../routing-log/pending-writes.js';

/**
 * Graceful shutdown for completions: once shutdown begins no new completion starts, live streams get
 * until the grace deadline to finish, then the rest are cut (outcome `shutdown`), and every pending
 * routing-log write is awaited before the process lets go of the database.
 */
@Injectable()
export class ShutdownSignal implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly cutters = new Set<() => void>();
  private isDraining = false;
  private passed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pending: PendingWrites,
  ) {}

  get draining(): boolean {
    return this.isDraining;
  }

  get deadlinePassed(): boolean {
    return this.passed;
  }

  /** Registers a live stream's cut-off; returns the unregister function (call it when the stream ends). */
  onDeadline(cut: () => void): () => void {
    if (this.passed) {
      cut();
      return () => undefined;
    }
    this.cutters.add(cut);
    return () => this.cutters.delete(cut);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.isDraining = true;
    const deadline = Date.now() + this.config.shutdownGraceMs;
    if (this.cutters.size > 0)
      this.logger.log(`waiting up to ${this.config.shutdownGraceMs} ms for ${this.cutters.size} live stream(s)`);
    while (this.cutters.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.passed = true;
    if (this.cutters.size > 0) this.logger.warn(`cutting ${this.cutters.size} stream(s) at the grace deadline`);
    for (const cut of [...this.cutters]) cut();
    // Cut streams record their rows and end their responses; wait for those writes too.
    await new Promise((r) => setTimeout(r, 10));
    await this.pending.drain();
  }
}
