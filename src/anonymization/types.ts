/**
 * Shared types of the anonymization library. Kept free of runtime dependencies so that config code and
 * tests can import them cheaply.
 */

import type { ENTITY_TYPES } from '../config/gateway-config.schema.js';

/** The entity types switchable in `gateway.yaml` (`anonymization.entities`). */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Every entity type the detectors can emit (the same list as `ENTITY_TYPES` in the config schema). */
export const ALL_ENTITY_TYPES = [
  'PERSON',
  'ORGANIZATION',
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'CASE_NUMBER',
  'MATTER_NUMBER',
] as const satisfies readonly EntityType[];

/** Compile-time check that no config entity type is missing from `ALL_ENTITY_TYPES`. */
export type MissingEntityTypes = Exclude<EntityType, (typeof ALL_ENTITY_TYPES)[number]> extends never ? never : 'missing';

/** A detected entity: half-open interval `[start, end)` into the analysed text (UTF-16 code units). */
export interface Span {
  start: number;
  end: number;
  type: EntityType;
  /** Confidence in [0, 1]; only used to break ties between overlapping spans of equal length. */
  score: number;
}

/** Anything that can find entities in a text (the pattern detectors, the name detector, a test stub). */
export interface Analyzer {
  detect(text: string, enabledTypes?: Iterable<EntityType>): Span[];
}
