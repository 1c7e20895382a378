/**
 * Entity detectors. Pattern types are regular expressions plus a validator (Luhn, IBAN mod-97, SSN area
 * rules, `node:net` for IP addresses); PERSON and ORGANIZATION come from the NLP-backed detector in
 * `names.ts`. `EntityDetector` runs the enabled ones and resolves overlaps longest-first, then by score.
 *
 * Every detector is a pure function of its input text; nothing here keeps, logs or returns anything but
 * offsets, types and scores.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { NameDetector } from './names.js';
import { ALL_ENTITY_TYPES, type Analyzer, type EntityType, type Span } from './types.js';

export { ALL_ENTITY_TYPES, type Analyzer, type EntityType, type Span } from './types.js';

type PatternDetector = (text: string) => Span[];

function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

/*
 * The e-mail, bare-domain and IPv6 patterns start with a lookbehind and a character class that match
 * almost anywhere, so a global scan makes V8 attempt a match at nearly every position: those three were
 * most of the pattern detectors' time. But each of their matches begins a run of characters of one
 * class (the lookbehind refuses every character of the class before the match) and holds a character
 * that is rare in prose (`@`, `.`, `:`) in, or right after, that run. So the pattern is run sticky
 * (`y`, same source) only at the starts of the runs that reach such a character, in ascending order,
 * skipping those inside the previous match: exactly the matches of the global scan. The differential
 * test (test/anonymization/differential.spec.ts) checks this against the previous implementation.
 */

/** The same pattern, sticky instead of global: it matches at `lastIndex` or not at all. */
const sticky = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace('g', 'y'));

/** Matches of sticky `re` starting at the ascending `starts`, without overlaps (as a global scan takes them). */
function* matchesAt(re: RegExp, text: string, starts: Iterable<number>): Generator<RegExpExecArray> {
  let from = 0;
  for (const start of starts) {
    if (start < from) continue;
    re.lastIndex = start;
    const m = re.exec(text);
    if (m === null) continue;
    yield m;
    from = start + m[0].length;
  }
}

/**
 * The start of each maximal run of `runChar` characters that holds `key`, or ends right before one when
 * `key` is not a run character; ascending, each once; only runs for which `may(k, end)` holds (`k`: the
 * run's first key, `end`: where the run ends), a cheap condition every match needs. Linear: a run is
 * walked once, back from its first key and forward to its end, and the next key is looked for after it
 * (the character there is not a run character, so no later walk goes back past it).
 */
function* runStartsAt(
  text: string,
  key: string,
  runChar: (c: number) => boolean,
  may: (k: number, end: number) => boolean,
): Generator<number> {
  let end = 0;
  for (let k = text.indexOf(key); k !== -1; k = text.indexOf(key, Math.max(k + 1, end))) {
    let start = k;
    while (start > 0 && runChar(text.charCodeAt(start - 1))) start--;
    end = k;
    while (end < text.length && runChar(text.charCodeAt(end))) end++;
    if (may(k, end)) yield start;
  }
}

const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

// ---------------------------------------------------------------------------------------------- e-mail

const EMAIL_RE =
  /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;

const EMAIL_AT = sticky(EMAIL_RE);
/** [\w.%+-]: the local part's characters, and the lookbehind's. */
const isEmailLocal = (c: number): boolean => isAsciiAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;

export const detectEmails: PatternDetector = (text) => {
  const out: Span[] = [];
  // A match starts a run of local-part characters that ends at an "@" followed by a letter or digit.
  const domainNext = (at: number) => isAsciiAlnum(text.charCodeAt(at + 1));
  for (const m of matchesAt(EMAIL_AT, text, runStartsAt(text, '@', isEmailLocal, domainNext))) {
    if (m[0].includes('..')) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'EMAIL_ADDRESS', score: 1 });
  }
  return out;
};

// ------------------------------------------------------------------------------------------------- URL

const URL_SCHEME_RE = /\b(?:https?|ftp):\/\/[^\s<>"'`{}|\\^]+/gi;
const URL_WWW_RE = /(?<![\w@./-])www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#][^\s<>"'`{}|\\^]*)?/gi;
const BARE_TLDS =
  'com|org|net|edu|gov|mil|int|io|ai|app|dev|co|uk|us|eu|de|fr|nl|be|ch|at|es|it|ie|se|no|dk|fi|pl|pt|ca|au|nz|in|jp|cn|sg|hk|za|br|mx|info|biz|law|legal|tech|cloud|online|site';
const URL_BARE_RE = new RegExp(
  String.raw`(?<![\w@./:-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:${BARE_TLDS})(?:\/[^\s<>"'\x60{}|\\^]*)?(?![\w@-]|\.[a-z0-9])`,
  'gi',
);

/** Drop sentence punctuation and unbalanced closing brackets that a greedy URL match swallowed. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const last = url.at(-1);
    if (last === undefined) return url;
    if ('.,;:!?\'"*'.includes(last)) {
      url = url.slice(0, -1);
      continue;
    }
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{', '>': '<' };
    const open = pairs[last];
    if (open !== undefined) {
      const opens = url.split(open).length - 1;
      const closes = url.split(last).length - 1;
      if (closes > opens) {
        url = url.slice(0, -1);
        continue;
      }
    }
    return url;
  }
}

const URL_BARE_AT = sticky(URL_BARE_RE);
/** [A-Za-z0-9.-]: a domain's characters (the bare pattern's lookbehind refuses them all). */
const isDomainChar = (c: number): boolean => isAsciiAlnum(c) || c === 46 || c === 45;
const WWW_HINT_RE = /www\./i;

/** Whether some "." in `text[k, end)` is followed by a letter: where a top-level domain would start. */
function dotLetter(text: string, k: number, end: number): boolean {
  for (let i = k; i + 1 < end; i++) {
    if (text.charCodeAt(i) !== 46) continue;
    const c = text.charCodeAt(i + 1) | 32;
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

/** The matches of each URL pattern; the scheme and `www.` ones only in texts that have "://" or "www.". */
function urlMatches(re: RegExp, text: string): Iterable<RegExpExecArray> {
  if (re === URL_BARE_RE)
    return matchesAt(
      URL_BARE_AT,
      text,
      runStartsAt(text, '.', isDomainChar, (k, end) => dotLetter(text, k, end)),
    );
  if (re === URL_SCHEME_RE && !text.includes('://')) return [];
  if (re === URL_WWW_RE && !WWW_HINT_RE.test(text)) return [];
  return matches(re, text);
}

export const detectUrls: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const [re, score] of [
    [URL_SCHEME_RE, 0.95],
    [URL_WWW_RE, 0.9],
    [URL_BARE_RE, 0.6],
  ] as const) {
    for (const m of urlMatches(re, text)) {
      const url = trimUrl(m[0]);
      if (re === URL_SCHEME_RE && !/:\/\/[\w[]/.test(url)) continue;
      if (url.length < 4) continue;
      out.push({ start: m.index, end: m.index + url.length, type: 'URL', score });
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------- phone

const digitCount = (s: string): number => s.replace(/\D/g, '').length;

const PHONE_INTL_RE = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5}){2,7}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)/g;
const PHONE_US_RE =
  /(?<![\w+.-])(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w-]|\.\d)/g;
const PHONE_UK_RE = /(?<![\w+.-])(?:\(0\d{2,4}\)|0\d{2,4})[ -]?\d{3,4}[ -]?\d{3,4}(?![\w-]|\.\d)/g;

export const detectPhones: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(PHONE_INTL_RE, text)) {
    // Greedy grouping may swallow a following number ("... 0958 2024"): drop trailing groups until valid.
    let cand = m[0];
    while (digitCount(cand) > 15) {
      const cut = cand.search(/[ .-]?\(?\d+\)?$/);
      if (cut <= 0) break;
      cand = cand.slice(0, cut);
    }
    const n = digitCount(cand.replace(/(?:x|ext\.?)\s*\d+$/, ''));
    if (n < 8 || n > 15) continue;
    out.push({ start: m.index, end: m.index + cand.length, type: 'PHONE_NUMBER', score: 0.75 });
  }
  for (const m of matches(PHONE_US_RE, text)) {
    out.push({ start: m.index, end: m.index + m[0].length, type: 'PHONE_NUMBER', score: 0.7 });
  }
  for (const m of matches(PHONE_UK_RE, text)) {
    const n = digitCount(m[0]);
    if (n < 10 || n > 11) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'PHONE_NUMBER', score: 0.65 });
  }
  return out;
};

// ---------------------------------------------------------------------------------------- credit card

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes (IIN ranges) of the card networks in common use, with their lengths. */
function plausibleCard(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19; // Diners
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (['50', '56', '57', '58', '63', '67'].includes(d.slice(0, 2))) return n >= 12 && n <= 19; // Maestro
  return false;
}

const CARD_RE = /(?<![\d.,-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})(?![\d-]|[.,]\d)/g;

export const detectCreditCards: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(CARD_RE, text)) {
    const digits = m[0].replace(/\D/g, '');
    if (!plausibleCard(digits) || !luhnValid(digits)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'CREDIT_CARD', score: 0.95 });
  }
  return out;
};

// ----------------------------------------------------------------------------------------------- IBAN

/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18,
  FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24,
  ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
  PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // biome-ignore format: table

export function ibanChecksumValid(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

const IBAN_START_RE = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])/g;

export const detectIbans: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(IBAN_START_RE, text)) {
    const len = IBAN_LENGTHS[m[1]!];
    if (len === undefined) continue;
    // Collect exactly `len` characters, allowing single spaces between them (print format groups of 4).
    let compact = m[0];
    let i = m.index + m[0].length;
    while (compact.length < len && i < text.length) {
      const ch = text[i]!;
      if (ch === ' ' && /[A-Z0-9]/.test(text[i + 1] ?? '') && text[i - 1] !== ' ') {
        i++;
        continue;
      }
      if (!/[A-Z0-9]/.test(ch)) break;
      compact += ch;
      i++;
    }
    if (compact.length !== len || /[A-Za-z0-9]/.test(text[i] ?? '')) continue;
    if (!ibanChecksumValid(compact)) continue;
    out.push({ start: m.index, end: i, type: 'IBAN_CODE', score: 1 });
    IBAN_START_RE.lastIndex = i;
  }
  return out;
};

// --------------------------------------------------------------------------------------------- US SSN

const SSN_RE = /(?<![\w.-])(\d{3})([- .])(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;
const SSN_CONTEXT_RE = /\b(?:SSN|SS#|social security(?: number| no\.?| #)?)\s*(?:#|:|is|was)?\s*:?\s*(\d{9})(?!\d)/gi;
/** Numbers published in advertising / documentation that were never (or no longer) valid. */
const SSN_DENYLIST = new Set(['078051120', '219099999', '123456789', '457555462']);

export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  if (/^(\d)\1{8}$/.test(digits)) return false;
  return !SSN_DENYLIST.has(digits);
}

export const detectSsns: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(SSN_RE, text)) {
    if (!ssnValid(m[1]! + m[3]! + m[4]!)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'US_SSN', score: 0.85 });
  }
  for (const m of matches(SSN_CONTEXT_RE, text)) {
    const digits = m[1]!;
    if (!ssnValid(digits)) continue;
    const start = m.index + m[0].length - digits.length;
    out.push({ start, end: start + digits.length, type: 'US_SSN', score: 0.7 });
  }
  return out;
};

// ---------------------------------------------------------------------------------------- IP address

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_RE = new RegExp(String.raw`(?<![\w.])${OCTET}(?:\.${OCTET}){3}(?:\/(?:3[0-2]|[12]?\d))?(?![\w]|\.\d)`, 'g');
const IPV6_RE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?:\/\d{1,3})?(?![\w:]|\.\d)/g;

const IPV6_AT = sticky(IPV6_RE);
const isHexOrColon = (c: number): boolean => isHex(c) || c === 58;

export const detectIps: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(IPV4_RE, text)) {
    if (!isIPv4(m[0].split('/')[0]!)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'IP_ADDRESS', score: 0.9 });
  }
  // A v6 match starts a run of [0-9A-Fa-f:] (the lookbehind refuses all of them) that holds at least
  // two colons (it begins with two or more groups ending in one).
  const twoColons = (k: number, end: number) => {
    const next = text.indexOf(':', k + 1);
    return next !== -1 && next < end;
  };
  for (const m of matchesAt(IPV6_AT, text, runStartsAt(text, ':', isHexOrColon, twoColons))) {
    let cand = m[0];
    let addr = cand.split('/')[0]!.split('%')[0]!;
    if (!isIPv6(addr) && addr.endsWith(':') && !addr.endsWith('::')) {
      cand = cand.slice(0, -1); // "... at fe80::1:" — sentence colon
      addr = addr.slice(0, -1);
    }
    const prefix = cand.includes('/') ? Number(cand.split('/')[1]) : 0;
    if (!isIPv6(addr) || prefix > 128 || !/[0-9A-Fa-f]/.test(addr)) continue;
    out.push({ start: m.index, end: m.index + cand.length, type: 'IP_ADDRESS', score: 0.9 });
  }
  return out;
};

// ------------------------------------------------------------------------------------ case numbers

/** Reporter abbreviations (reference §4.3 list, longest-first, spaces optional, plus a few common ones). */
const REPORTER = [
  String.raw`F\.\s?Supp\.\s?(?:3d|2d)?`,
  String.raw`F\.\s?(?:4th|3d|2d)`,
  String.raw`F\.\s?App'x`,
  String.raw`F\.`,
  String.raw`U\.\s?S\.`,
  String.raw`S\.\s?Ct\.`,
  String.raw`L\.\s?Ed\.\s?(?:2d)?`,
  String.raw`B\.\s?R\.`,
  String.raw`A\.\s?(?:3d|2d)?`,
  String.raw`N\.\s?E\.\s?(?:3d|2d)?`,
  String.raw`N\.\s?W\.\s?(?:3d|2d)?`,
  String.raw`P\.\s?(?:3d|2d)?`,
  String.raw`S\.\s?E\.\s?(?:3d|2d)?`,
  String.raw`S\.\s?W\.\s?(?:3d|2d)?`,
  String.raw`So\.\s?(?:3d|2d)?`,
  String.raw`Cal\.\s?App\.\s?(?:5th|4th|3d|2d)?`,
  String.raw`Cal\.\s?Rptr\.\s?(?:3d|2d)?`,
  String.raw`Cal\.\s?(?:5th|4th|3d|2d)`,
  String.raw`N\.\s?Y\.\s?S\.\s?(?:3d|2d)?`,
  String.raw`N\.\s?Y\.\s?(?:3d|2d)?`,
  String.raw`A\.\s?D\.\s?(?:3d|2d)`,
  String.raw`Ill\.\s?App\.\s?(?:3d|2d)?`,
  String.raw`Ill\.\s?(?:2d)?`,
  String.raw`Mass\.`,
  String.raw`Eng\.\s?Rep\.`,
  `WL`,
].join('|');

const PARTY_WORD = String.raw`\p{Lu}[\p{L}.'’-]*`;
/** Citation signals and sentence openers that are not part of a party name. */
const NOT_PARTY = String.raw`(?!(?:See|Cf|Accord|Compare|Contra|But|Also|Under|As|Following|Citing|Per|And|Then|Thus|Since|While|Although|After|Before|Unlike|Like|Following|Applying|Here|The|In(?!\s+re\b))\b)`;
const LEGAL_SUFFIX = String.raw`,?\s+(?:Inc|Corp|Co|Ltd|LLC|LLP|L\.P|P\.C|N\.A|S\.A|PLC)\.?`;
const PARTY = String.raw`${NOT_PARTY}${PARTY_WORD}(?:\s+(?:(?:of|the|and|&|de|del|ex rel\.)\s+)?${PARTY_WORD})*(?:${LEGAL_SUFFIX})?`;
const CITE_TAIL = String.raw`,\s+\d{1,4}\s+(?:${REPORTER})\s+\d{1,7}(?:,\s*\d{1,5}(?:[-–]\d{1,5})?)*(?:\s*\([^()\n]{1,60}\))?`;
const CASE_CITATION_RE = new RegExp(
  String.raw`(?<![\p{L}\d])(?:In re\s+${PARTY_WORD}(?:${LEGAL_SUFFIX})?(?:\s+(?:(?:of|the|and|&)\s+)?${PARTY_WORD}(?:${LEGAL_SUFFIX})?)*|${PARTY}\s+v(?:s)?\.\s+(?:In re\s+)?${PARTY})${CITE_TAIL}`,
  'gu',
);
const DOCKET_NUMBER = String.raw`\d{1,2}:\d{2}-[A-Za-z]{2,4}-\d{3,6}(?:-[A-Z]{2,4})*|\d{2,4}-[A-Za-z]{2,4}-\d{3,6}|\d{2,4}-\d{3,6}|\d{5,6}[/-](?:19|20)\d{2}`;
const DOCKET_RE = new RegExp(
  String.raw`(?<!\w)(?:(?:Case|Docket|Civil Action|Criminal Action|Appeal|Cause|Index)\s+)?Nos?\.?\s*:?\s*(${DOCKET_NUMBER})(?![\w-])`,
  'gi',
);
const BARE_FEDERAL_DOCKET_RE = /(?<![\w:-])\d{1,2}:\d{2}-(?:cv|cr|mc|md|mj|bk|ap|po|sw|misc)-\d{3,6}(?:-[A-Z]{2,4})*(?![\w-])/gi;

const CITATION_HINT_RE = /\sv(?:s)?\.\s|\bIn re\s/;
/** What every docket match contains: texts without it are not scanned with the (slower) full pattern. */
const DOCKET_HINT_RE = /nos?\.?\s*:?\s*\d/i;
const CITATION_VOLUME_RE = /,\s+\d{1,4}\s+[A-Z]/;

function* citationParagraphs(text: string): Generator<[number, number]> {
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n\n', from);
    if (to < 0) to = text.length;
    const part = text.slice(from, to);
    if (CITATION_HINT_RE.test(part) && CITATION_VOLUME_RE.test(part)) yield [from, to];
    from = to + 2;
  }
}

export const detectCaseNumbers: PatternDetector = (text) => {
  const out: Span[] = [];
  // Citations need " v. " or "In re" and a reporter volume: only paragraphs with both are scanned.
  const hinted = text.includes('v.') || text.includes('vs.') || text.includes('In re');
  for (const [from, to] of hinted ? citationParagraphs(text) : []) {
    const part = text.slice(from, to);
    for (const m of matches(CASE_CITATION_RE, part)) {
      out.push({ start: from + m.index, end: from + m.index + m[0].length, type: 'CASE_NUMBER', score: 0.9 });
    }
  }
  for (const m of DOCKET_HINT_RE.test(text) ? matches(DOCKET_RE, text) : []) {
    const num = m[1]!;
    const start = m.index + m[0].length - num.length;
    out.push({ start, end: start + num.length, type: 'CASE_NUMBER', score: 0.85 });
  }
  for (const m of matches(BARE_FEDERAL_DOCKET_RE, text)) {
    out.push({ start: m.index, end: m.index + m[0].length, type: 'CASE_NUMBER', score: 0.8 });
  }
  return out;
};

// ---------------------------------------------------------------------------------- matter numbers

/** Found from its year part (fast), then checked for the 2–4 letter prefix before it. */
const MATTER_YEAR_RE = /-(?:19|20)\d{2}-\d+(?!\d)/g;
const MATTER_PREFIX_RE = /(?<![\p{L}\d])\p{L}{2,4}$/u;

/** `2026.0042`: at least three digits after the dot so that money (`2026.50`) is not a matter. */
const MATTER_DOTTED_RE = /(?<![\d.$€£¥,])(?:19|20)\d{2}\.\d{3,}(?!\d|\.\d)/g;

export const detectMatterNumbers: PatternDetector = (text) => {
  const out: Span[] = [];
  for (const m of matches(MATTER_YEAR_RE, text)) {
    const prefix = MATTER_PREFIX_RE.exec(text.slice(Math.max(0, m.index - 5), m.index));
    if (prefix === null) continue;
    const start = m.index - prefix[0].length;
    out.push({ start, end: m.index + m[0].length, type: 'MATTER_NUMBER', score: 0.85 });
  }
  for (const m of matches(MATTER_DOTTED_RE, text)) {
    // Not currency written with a code or word before it ("USD 2026.500", "EUR2026.500").
    if (/(?:USD|EUR|GBP|CHF|JPY|\$|€|£)\s?$/i.test(text.slice(Math.max(0, m.index - 4), m.index))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'MATTER_NUMBER', score: 0.8 });
  }
  return out;
};

// ------------------------------------------------------------------------------------------- overlaps

/**
 * Keep the longest spans, then the higher-scoring, dropping any that overlap a kept one (half-open
 * intervals); returned in reading order.
 *
 * Only spans that overlap each other compete, so the text's spans are split into groups that chain
 * by overlap (in order of start, found with a native numeric sort of packed keys); a span alone in its
 * group is kept as is, and each larger group is resolved on its own, longest first (`resolveGroup`,
 * which with a stable sort of the group taken in input order chooses exactly as over all the spans).
 */
export function resolveOverlaps(spans: readonly Span[]): Span[] {
  if (disjointInOrder(spans)) return spans.slice(); // what the general case returns for these
  const live = spans.filter((s) => s.end > s.start);
  const n = live.length;
  if (n < 16 || n >= INDEX_SLOTS) return resolveGroup(live);
  // key: start and input position packed into one exactly representable number
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = live[i]!.start;
    if (!Number.isInteger(start) || start < 0 || start >= 2 ** 31) return resolveGroup(live);
    keys[i] = start * INDEX_SLOTS + i;
  }
  keys.sort();
  const kept: Span[] = [];
  let group: number[] = [];
  let groupEnd = Number.NEGATIVE_INFINITY;
  const close = () => {
    if (group.length === 1) kept.push(live[group[0]!]!);
    else if (group.length > 1) for (const s of resolveGroup(group.sort((x, y) => x - y).map((i) => live[i]!))) kept.push(s);
  };
  for (let k = 0; k < n; k++) {
    const i = keys[k]! % INDEX_SLOTS;
    const s = live[i]!;
    if (s.start < groupEnd) {
      group.push(i);
      if (s.end > groupEnd) groupEnd = s.end;
    } else {
      close();
      group = [i];
      groupEnd = s.end;
    }
  }
  close();
  return kept;
}

const INDEX_SLOTS = 2 ** 21;

/** The greedy resolution itself, over non-empty spans: longest first, then score, then start (stable). */
function resolveGroup(spans: readonly Span[]): Span[] {
  const bySize = [...spans].sort((a, b) => b.end - b.start - (a.end - a.start) || b.score - a.score || a.start - b.start);
  // kept spans, sorted by start; being disjoint, they are sorted by end too
  const kept: Span[] = [];
  for (const s of bySize) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < s.start) lo = mid + 1;
      else hi = mid;
    }
    const prev = kept[lo - 1];
    const next = kept[lo];
    if ((prev === undefined || prev.end <= s.start) && (next === undefined || s.end <= next.start)) {
      kept.splice(lo, 0, s);
    }
  }
  return kept;
}

/** Non-empty, in reading order and pairwise disjoint (already resolved: `detect` returns such lists). */
function disjointInOrder(spans: readonly Span[]): boolean {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.end <= s.start || (i > 0 && spans[i - 1]!.end > s.start)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------- detector

const PATTERN_DETECTORS: Partial<Record<EntityType, PatternDetector>> = {
  EMAIL_ADDRESS: detectEmails,
  URL: detectUrls,
  PHONE_NUMBER: detectPhones,
  CREDIT_CARD: detectCreditCards,
  IBAN_CODE: detectIbans,
  US_SSN: detectSsns,
  IP_ADDRESS: detectIps,
  CASE_NUMBER: detectCaseNumbers,
  MATTER_NUMBER: detectMatterNumbers,
};
const PATTERN_DETECTOR_ENTRIES = Object.entries(PATTERN_DETECTORS) as [EntityType, PatternDetector][];

export interface EntityDetectorOptions {
  /** Name detector to use for PERSON / ORGANIZATION (default: the shared compromise-backed one). */
  names?: Pick<NameDetector, 'detect'>;
}

/** Runs every enabled detector over a text and returns non-overlapping spans in reading order. */
export class EntityDetector implements Analyzer {
  private readonly names: Pick<NameDetector, 'detect'>;

  constructor(options: EntityDetectorOptions = {}) {
    this.names = options.names ?? NameDetector.shared();
  }

  detect(text: string, enabledTypes: Iterable<EntityType> = ALL_ENTITY_TYPES): Span[] {
    if (text.length === 0) return [];
    const enabled = new Set(enabledTypes);
    const spans: Span[] = [];
    for (const [type, detector] of PATTERN_DETECTOR_ENTRIES) {
      if (enabled.has(type)) for (const s of detector(text)) spans.push(s);
    }
    if (enabled.has('PERSON') || enabled.has('ORGANIZATION')) {
      for (const s of this.names.detect(text)) if (enabled.has(s.type)) spans.push(s);
    }
    return resolveOverlaps(spans);
  }
}
