import openapiTS, { astToString } from 'openapi-typescript';
import { OPENAPI_DOCUMENT } from '../../src/openapi/openapi.document.js';

export const API_TYPES_PATH = 'web/src/api/schema.d.ts';

/** The console's API types, generated from the server's own OpenAPI document (so they cannot drift). */
export async function renderApiTypes(): Promise<string> {
  const ast = await openapiTS(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  return `/** Generated from src/openapi/openapi.document.ts by \`npm run generate:api-types\`; do not edit. */\n${astToString(ast)}`;
}
