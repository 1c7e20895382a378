import { writeFileSync } from 'node:fs';
import { API_TYPES_PATH, renderApiTypes } from './api-types.js';

writeFileSync(API_TYPES_PATH, await renderApiTypes());
console.log(`wrote ${API_TYPES_PATH}`);
