// Loaded with `node --import ./test/support/record-modules.mjs`: records every module specifier the
// ESM loader resolves (and what it resolved to) into the file named by TALLY_MODULE_LOG, one a line.
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url, { data: { log: process.env.TALLY_MODULE_LOG } });
