import type { ErrorEnvelope } from '../../common/app-error.js';

export const DONE_FRAME = 'data: [DONE]\n\n';

export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function errorFrame(envelope: ErrorEnvelope): string {
  return dataFrame(envelope);
}
