/**
 * Shared types of the anonymization library. Kept free of runtime dependencies so that config code and
 * tests can import them cheaply.
 */

import { ENTITY_TYPES } from '../config/gateway-config.schema.js';

/** The entity types switchable in `gateway.yaml` (`anonymization.entities`). */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Every entity type the detectors can emit: the config schema's list, so the two cannot drift. */
export const ALL_ENTITY_TYPES: readonly EntityType[] = ENTITY_TYPES;

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
