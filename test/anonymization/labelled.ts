/**
 * Labelled-text helper shared by the tests and the benchmark. Passages are written with inline markup
 * `[[TAG|value]]`; `parseLabelled` strips the markup and returns the plain text with the gold spans.
 * All names, companies, numbers and addresses in the passages are invented (phone numbers from the
 * ranges reserved for fiction, IP addresses from the documentation ranges, card numbers from the
 * networks' published test numbers, IBANs built with valid check digits for made-up accounts); case
 * citations are to well-known published decisions.
 */
import type { EntityType } from '../../src/anonymization/types.js';

export const TAGS: Record<string, EntityType> = {
  P: 'PERSON',
  O: 'ORGANIZATION',
  E: 'EMAIL_ADDRESS',
  T: 'PHONE_NUMBER',
  C: 'CREDIT_CARD',
  I: 'IBAN_CODE',
  S: 'US_SSN',
  IP: 'IP_ADDRESS',
  U: 'URL',
  K: 'CASE_NUMBER',
  M: 'MATTER_NUMBER',
};

export interface GoldSpan {
  start: number;
  end: number;
  type: EntityType;
  value: string;
}

export interface LabelledText {
  text: string;
  spans: GoldSpan[];
}

const MARKUP = /\[\[([A-Z]{1,2})\|([^\]]+)\]\]/g;

export function parseLabelled(markup: string): LabelledText {
  let text = '';
  const spans: GoldSpan[] = [];
  let pos = 0;
  for (const m of markup.matchAll(MARKUP)) {
    text += markup.slice(pos, m.index);
    const type = TAGS[m[1]!];
    if (type === undefined) throw new Error(`unknown tag ${m[1]}`);
    const value = m[2]!;
    spans.push({ start: text.length, end: text.length + value.length, type, value });
    text += value;
    pos = m.index + m[0].length;
  }
  text += markup.slice(pos);
  if (text.includes('[[') || text.includes(']]')) throw new Error(`unbalanced markup in: ${markup.slice(0, 60)}`);
  return { text, spans };
}
