// Module customization hooks (https://nodejs.org/api/module.html#customization-hooks) for record-modules.mjs.
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data?.log;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (log) appendFileSync(log, `${specifier} ${result.url}\n`);
  return result;
}
