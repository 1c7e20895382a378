// Preloaded (`node --import`) into a Tally process by bench/idle-memory.ts: answers over the IPC channel
// with process.memoryUsage(), V8's heap spaces, the CommonJS modules loaded so far, or a heap snapshot. Nothing else.
import { createRequire } from 'node:module';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const requireCache = createRequire(import.meta.url).cache;

if (process.channel) {
  process.channel.unref();
  process.on('message', (message) => {
    if (message?.type === 'memory') process.send({ type: 'memory', usage: process.memoryUsage() });
    else if (message?.type === 'spaces') process.send({ type: 'spaces', spaces: getHeapSpaceStatistics() });
    else if (message?.type === 'modules') process.send({ type: 'modules', files: Object.keys(requireCache) });
    else if (message?.type === 'snapshot') process.send({ type: 'snapshot', file: writeHeapSnapshot(message.file) });
  });
}
