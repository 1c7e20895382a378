export { NameDetector, type NameDetectorContext } from './names.js';
export {
  anonymizeMessages,
  type ChatMessageLike,
  Pseudonymizer,
  type PseudonymizerOptions,
  type TextBlock,
} from './pseudonymizer.js';
export {
  detectCaseNumbers,
  detectCreditCards,
  detectEmails,
  detectIbans,
  detectIps,
  detectMatterNumbers,
  detectPhones,
  detectSsns,
  detectUrls,
  EntityDetector,
  type EntityDetectorOptions,
  ibanChecksumValid,
  luhnValid,
  resolveOverlaps,
  ssnValid,
} from './recognizers.js';
export { StreamRehydrator } from './stream-rehydrator.js';
export { ALL_ENTITY_TYPES, type Analyzer, type EntityType, type Span } from './types.js';
