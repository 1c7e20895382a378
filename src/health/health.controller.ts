import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.guard.js';
import { ConfigReloader } from '../config/config-reloader.js';
import { DurableWriter } from '../durability/durable-writer.js';
import { LimitsService } from '../limits/limits.service.js';
import { MetricsService } from '../observability/metrics.service.js';
import { PendingWrites } from '../routing-log/pending-writes.js';

@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly db: DataSource,
    private readonly metrics: MetricsService,
    private readonly pending: PendingWrites,
    private readonly durable: DurableWriter,
    private readonly limits: LimitsService,
    private readonly reloader: ConfigReloader,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    let database = 'ok';
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      database = 'unreachable';
    }
    const ok = database === 'ok';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ready' : 'not_ready',
      database,
      config: 'loaded',
      pending_writes: this.pending.size,
      spool_depth: this.durable.spoolDepth,
      // `local_share` while the counters cannot be exchanged: this replica enforces its share alone.
      limits: this.limits.status(),
      // The gateway.yaml being served: compare `sha256` with `sha256sum gateway.yaml` after a SIGHUP.
      gateway_config: this.reloader.status(),
    });
  }

  @Get('metrics')
  async render(@Res() res: Response): Promise<void> {
    const body = await this.metrics.render();
    res.status(200).type(this.metrics.contentType).send(body);
  }
}
