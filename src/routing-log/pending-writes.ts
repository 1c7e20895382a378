import { Injectable } from '@nestjs/common';

/**
 * Writes that no HTTP response is waiting on (started from `finalize` after a client left). Shutdown
 * awaits them so a stopping process cannot drop a row that is already on its way.
 */
@Injectable()
export class PendingWrites {
  private readonly inFlight = new Set<Promise<unknown>>();

  track<T>(write: Promise<T>): Promise<T> {
    this.inFlight.add(write);
    const forget = () => this.inFlight.delete(write);
    write.then(forget, forget);
    return write;
  }

  get size(): number {
    return this.inFlight.size;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
