/**
 * Child process of test/observability-log-batching.spec.ts: the app's stdout logger, `BURST` lines of
 * ~1.2 kB written in one go (so batches are handed over at exactly the 4 kB threshold, the second while
 * the first write is in flight, and nothing is left for the 50 ms timer), then silence.
 */
import { createAppLogger } from '../../src/observability/logging.js';

const { logger } = createAppLogger({ logLevel: 'info', logFormat: 'json' });
const burst = Number(process.env.BURST ?? 8);
const pad = 'x'.repeat(1100);
for (let n = 0; n < burst; n++) logger.info({ n, pad }, 'burst line');
setTimeout(() => undefined, 3000);
