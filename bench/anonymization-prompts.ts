/**
 * The prompts the anonymization benchmarks pseudonymise: the gateway bench's 2 kB / 10-entity prompt
 * (`ANON_PROMPT`, scenarios anon-off / anon-on) and a prompt of labelled passages cut to a size
 * (`labelledPrompt`, 20 kB in `npm run bench:anonymization`).
 */
import { CORPUS } from '../test/anonymization/corpus.js';
import { BLIND, HELD_OUT } from './anonymization-labelled.js';

/** About 2 kB of a legal matter with 10 entities the recognizers find (names, organisation, e-mail, phone, IBAN, card, URL, IP). */
export const ANON_PROMPT = (() => {
  const facts =
    'Please summarise the file. Our client Margaret Thompson met Daniel Okafor of Northwind Holdings on Tuesday. ' +
    'Reach her at margaret.thompson@example.com or +1 415 555 0132. The retainer was paid from IBAN DE89 3704 0044 0532 0130 00 ' +
    'and the card 4111 1111 1111 1111. The draft is at https://files.example.com/matter/7741 and the server log shows 203.0.113.45. ' +
    'Opposing counsel is Victoria Alvarez. ';
  const filler =
    'The parties discussed the schedule, the documents still to be produced, and the next steps for the negotiation in general terms. ';
  let text = facts;
  while (text.length < 2000) text += filler;
  return text.slice(0, 2048);
})();

/** The development corpus, the held-out and the blind set, in that order. */
export const LABELLED = [...CORPUS, ...HELD_OUT, ...BLIND];

/** A prompt of `bytes` made of the labelled passages (mixed contracts, e-mails, chat, citations). */
export function labelledPrompt(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const t = LABELLED[i % LABELLED.length]!.text;
    parts.push(t);
    size += Buffer.byteLength(t) + 2;
  }
  return parts.join('\n\n').slice(0, bytes);
}
