import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { API_TYPES_PATH, renderApiTypes } from '../../web/scripts/api-types.js';

describe('console API types', () => {
  it('are the ones generated from the OpenAPI document (run `npm run generate:api-types` after changing it)', async () => {
    const committed = readFileSync(API_TYPES_PATH, 'utf8');
    expect(committed).toContain('ReceiptEvent');
    expect(committed === (await renderApiTypes())).toBe(true);
  });
});
