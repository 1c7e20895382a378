import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';
import { DATABASE_URL } from './database.tokens.js';
import { runMigrationsLocked, waitForSchema } from './migration-runner.js';

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}

/**
 * Connects to PostgreSQL and, before anything else starts, runs pending migrations under an advisory
 * lock (MIGRATE_ON_START, the default) or waits until another process has applied them.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, options: { migrateOnStart: boolean }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_URL, useValue: url },
        {
          provide: DataSource,
          useFactory: async () => {
            const db = new DataSource(dataSourceOptions(url));
            await db.initialize();
            const logger = new Logger('Database');
            if (options.migrateOnStart) await runMigrationsLocked(db, url, logger);
            else await waitForSchema(db, logger);
            return db;
          },
        },
        DatabaseLifecycle,
      ],
      exports: [DATABASE_URL, DataSource],
    };
  }
}
