import { api } from '../api/client.js';
import type { ModelList } from '../api/types.js';

export type ModelOption = ModelList['data'][number];

let cached: Promise<ModelOption[]> | null = null;

/** `GET /v1/models`, once per page load: aliases first, then `provider/model` entries. */
export function loadModels(): Promise<ModelOption[]> {
  cached ??= api<ModelList>('/v1/models').then(
    (list) => [...list.data].sort((a, b) => Number(a.id.includes('/')) - Number(b.id.includes('/')) || a.id.localeCompare(b.id)),
    (error) => {
      cached = null;
      throw error;
    },
  );
  return cached;
}
