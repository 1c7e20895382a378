import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';
import { DATABASE_URL } from './database.tokens.js';

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}

/** Connects to PostgreSQL and runs pending migrations before anything else starts. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_URL, useValue: url },
        {
          provide: DataSource,
          useFactory: async () => {
            const db = new DataSource(dataSourceOptions(url));
            await db.initialize();
            const applied = await db.runMigrations({ transaction: 'each' });
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
            return db;
          },
        },
        DatabaseLifecycle,
      ],
      exports: [DATABASE_URL, DataSource],
    };
  }
}
