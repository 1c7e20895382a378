import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { EmbeddedDatabaseError } from './database/embedded-postgres.js';

async function main(): Promise<void> {
  const started = performance.now();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Tally cannot start: invalid configuration\n${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const running = await createApp(config);
  await running.app.listen(config.port, config.host);
  const logger = new Logger('Tally');
  logger.log(`listening on http://${config.host}:${config.port} (started in ${Math.round(performance.now() - started)} ms)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining (grace ${config.shutdownGraceMs} ms)`);
    running.close().then(
      () => process.exit(0),
      (error) => {
        logger.error(`shutdown failed: ${(error as Error).stack ?? error}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  // A known start-up failure is one line naming its cause and the fix; anything else keeps its stack.
  if (error instanceof EmbeddedDatabaseError) console.error(`Tally cannot start: ${error.message}`);
  else console.error(`Tally failed to start: ${(error as Error)?.stack ?? error}`);
  process.exit(1);
});
