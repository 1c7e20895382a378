import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { ConfigReloader } from './config/config-reloader.js';
import { EmbeddedDatabaseError } from './database/embedded-postgres.js';

function refuseConfig(error: ConfigError): never {
  console.error(`Tally cannot start: invalid configuration\n${error.message}`);
  process.exit(78);
}

async function main(): Promise<void> {
  const started = performance.now();
  // A hang-up during start-up must not kill the process; the reload it asks for runs once the app is up.
  let reloader: ConfigReloader | undefined;
  let hangupDuringStart = false;
  let stopping = false;
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (reloader) void reloader.reload('SIGHUP');
    else hangupDuringStart = true;
  });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) refuseConfig(error);
    throw error;
  }
  const running = await createApp(config);
  await running.app.listen(config.port, config.host);
  const logger = new Logger('Tally');
  logger.log(`listening on http://${config.host}:${config.port} (started in ${Math.round(performance.now() - started)} ms)`);
  const ready = running.app.get(ConfigReloader);
  reloader = ready;
  if (hangupDuringStart) void ready.reload('SIGHUP');

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

/** Starts the service, the way `npm start` runs it (src/main.ts is the entry point that loads this module). */
export function runService(): void {
  main().catch((error) => {
    // A known start-up failure is one line naming its cause and the fix; anything else keeps its stack.
    // (A provider's `options` are checked when its adapter is built, inside createApp.)
    if (error instanceof ConfigError) refuseConfig(error);
    if (error instanceof EmbeddedDatabaseError) console.error(`Tally cannot start: ${error.message}`);
    else console.error(`Tally failed to start: ${(error as Error)?.stack ?? error}`);
    process.exit(1);
  });
}
