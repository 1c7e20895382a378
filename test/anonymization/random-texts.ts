/**
 * Seeded random texts for the differential test of the detectors (differential.spec.ts): prose mixed
 * with every entity type, valid and near-miss (names, organisations, e-mails, URLs, phone numbers,
 * cards, IBANs, SSNs, IP addresses, citations, dockets, matter numbers, placeholder-shaped literals),
 * random punctuation, whitespace, case and Unicode (accents, curly apostrophes, combining marks,
 * astral letters, emoji, no-break spaces, scripts without case, letters whose case mapping changes
 * length). Pieces are sometimes glued together without a separator to hit boundary conditions.
 */
import { prng } from '../support/fuzz.js';
import type { LabelledText } from './labelled.js';

/** Deterministic PRNG (mulberry32), the fuzz test's. */
export const rng = prng;

const FIRST = [
  'Margaret', 'Daniel', 'Victoria', 'Priya', 'Hannah', 'Lukas', 'Aisha', 'Kenji', 'Fatima', 'Rafael', 'Ingrid',
  'Mark', 'Grant', 'Will', 'Rose', 'Bongani', 'Zoë', 'José', 'Siobhán', 'Björn', 'Chloé', 'Nguyễn', 'İlker',
  'Иван', 'Ólafur', 'Jean-Luc', 'Mary-Kate', 'Xochitl', 'Amara', 'Tom', 'Bill', 'Art', 'Hope', 'May', 'June',
]; // biome-ignore format: word table
const LAST = [
  'Thompson', 'Okafor', 'Alvarez', 'Raman', 'Schmidt', 'Brenner', 'Bello', 'Watanabe', 'Al-Sayed', 'Moreno',
  'Svensson', 'O’Brien', "O'Connor", 'McDonald', 'van der Berg', 'de la Cruz', 'Gonzalez-Ruiz', 'Müller',
  'Петров', 'Smith', 'Jones', 'Baker', 'Wright', 'Black', 'Green', 'Young', 'Strauß', 'DʼAngelo', 'Nakamura',
]; // biome-ignore format: word table
const HONORIFICS = ['Mr.', 'Mrs.', 'Ms', 'Dr.', 'Prof.', 'Judge', 'Justice', 'Sir', 'Dame', 'Hon.', 'Rev', 'Aunt', 'Mx.'];
const ORG_HEADS = ['Northwind', 'Globex', 'Brightwater', 'Kestrel', 'Quillon', 'Acme', 'Vantage', 'Hollis & Pemberton', 'Baxter'];
const ORG_TAILS = [
  'Holdings', 'Inc.', 'Ltd', 'LLC', 'LLP', 'GmbH', 'AG', 'plc', 'Capital', 'Systems', 'Partners', 'Group', 'Bank',
  'Logistics Limited', 'Technologies Ltd', 'Foods Pvt Ltd', 'Co.', 'Corp.', 'Trust', 'University', ', Inc.', ', LLC',
]; // biome-ignore format: word table
const KNOWN_ORGS = [
  'Goldman Sachs',
  'goldman sachs',
  'Bank of the West',
  'Bank of America',
  'New York',
  'Google',
  'Microsoft',
  'Red Cross',
];
const WORDS = [
  'the', 'parties', 'discussed', 'schedule', 'documents', 'still', 'to', 'be', 'produced', 'and', 'next', 'steps',
  'for', 'negotiation', 'in', 'general', 'terms', 'of', 'a', 'Agreement', 'Tenant', 'Landlord', 'Confidential',
  'Information', 'Schedule', 'Delaware', 'The', 'This', 'Please', 'said', 'wrote', 'will', 'is', 'was', 'who',
  'our', 'my', 'your', 'met', 'on', 'Tuesday', 'March', 'at', 'or', 'from', 'by', 'with', 'IBAN', 'SSN', 'card',
  'see', 'See', 'Cf.', 'under', 'Section', 'Clause', 'No.', 'Nos.', 'Case', 'Docket', 'matter', 'Matter', 'v.',
  'vs.', 'In', 're', 'In re', 'Hi', 'Hello', 'Dear', 'Thanks', 'Regards', 'Best', 'From:', 'To:', 'Cc:', 'Attn:',
  'it’s', "it's", "we'll", "I'm", 'don’t', 'USD', 'EUR', '$', '€', '£', 'x', 'ext.', 'U.S.', 'E.U.', 'etc.',
  'St.', 'Jr.', 'Sr.', 'de', 'van', 'of the', '&', 'and', 'Mark the box', 'Grant access', 'ask', 'ping', 'tell',
  'CONFIDENTIAL', 'NDA', 'LLC', 'inc', 'ltd', 'plc', 'co', 'Sheriff', 'Court', 'Cir.', 'Supp.', 'F.3d', 'café',
  'naïve', 'façade', 'Straße', 'STRASSE', 'ǅemal', 'ſ', 'K', 'İstanbul', '東京', '山田太郎', 'Ελλάδα', 'Αθήνα',
  'مرحبا', 'שלום', '𝐀𝐁𝐂', '𝑥', '😀', '👩‍⚖️', 'e\u0301', 'A\u0308', '\u0301', 'I.B.M.', 'A.B.c', 'U.S.A.',
]; // biome-ignore format: word table
const PUNCT = [
  ',', '.', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', "'", '“', '”', '‘', '’', '-', '–', '—', '/',
  '\\', '@', '#', '%', '^', '&', '*', '_', '+', '=', '<', '>', '|', '~', '`', '•', '…', '..', '...', ':-', '.\n',
]; // biome-ignore format: word table
const SPACES = [' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00a0', '\u2028', '\u3000', '\ufeff', ' \n '];
const TLDS = ['com', 'org', 'net', 'io', 'co.uk', 'de', 'example', 'law', 'legal', 'xyz', 'c', 'museum', 'COM'];
const PLACEHOLDERS = ['PERSON_0001', 'PERSON_00010', 'ORGANIZATION_0002', 'EMAIL_ADDRESS_0001', 'FOO_1234', 'X_9999', 'URL_0001'];

/** Valid IBAN for `country` and a body of digits/letters (mod-97 check digits computed). */
function iban(country: string, body: string): string {
  const s = `${body}${country}00`;
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, '0')}${body}`;
}

const IBAN_LENGTHS: Record<string, number> = { DE: 22, GB: 22, FR: 27, NL: 18, CH: 21, NO: 15, BE: 16, ES: 24, IT: 27 };

function luhnComplete(prefix: string, length: number, next: () => number): string {
  let d = prefix;
  while (d.length < length - 1) d += String(Math.floor(next() * 10));
  for (let c = 0; c < 10; c++) {
    const cand = d + c;
    let sum = 0;
    for (let i = cand.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
      let x = cand.charCodeAt(i) - 48;
      if (dbl) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return cand;
  }
  return d;
}

export function randomTexts(count: number, seed: number, labelled: readonly LabelledText[]): string[] {
  const next = rng(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdefABCDEF'[int(22)]).join('');
  const letters = (n: number, set = 'abcdefghijklmnopqrstuvwxyz') =>
    Array.from({ length: n }, () => set[int(set.length)]).join('');
  const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const group = (s: string, size: number, sep: string) => s.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), `$1${sep}`);

  const person = () => {
    const r = int(6);
    if (r === 0) return `${pick(HONORIFICS)} ${pick(LAST)}`;
    if (r === 1) return `${pick(FIRST)} ${UPPER[int(UPPER.length)]}. ${pick(LAST)}`;
    if (r === 2) return pick(FIRST);
    if (r === 3) return `${pick(FIRST)} ${pick(LAST)}’s`;
    return `${pick(FIRST)} ${pick(LAST)}`;
  };
  const org = () =>
    int(4) === 0 ? pick(KNOWN_ORGS) : `${pick(ORG_HEADS)}${int(3) === 0 ? ` ${pick(LAST)}` : ''} ${pick(ORG_TAILS)}`;
  const email = () => {
    const local = [
      letters(1 + int(8)),
      int(2) ? `.${letters(1 + int(6))}` : '',
      int(4) === 0 ? '+tag' : '',
      int(8) === 0 ? '..' : '',
    ].join('');
    return `${int(5) === 0 ? local.toUpperCase() : local}@${letters(2 + int(8))}${int(3) === 0 ? `.${letters(3)}` : ''}.${pick(TLDS)}${int(6) === 0 ? '.' : ''}`;
  };
  const url = () => {
    const host = `${int(3) === 0 ? 'www.' : ''}${letters(3 + int(8))}${int(2) ? '-x' : ''}.${pick(TLDS)}`;
    const path = int(2)
      ? `/${letters(3)}/${digits(int(5))}${int(3) === 0 ? `?q=${letters(2)}&a=1` : ''}${int(4) === 0 ? '#top' : ''}`
      : '';
    const scheme = pick(['https://', 'http://', 'ftp://', 'HTTPS://', '', '', 'https://[', 'http://-']);
    const tail = pick(['', '', '.', ')', '),', '".', '*', '!?', '/', ']']);
    return `${int(4) === 0 ? '(' : ''}${scheme}${host}${path}${tail}`;
  };
  const phone = () =>
    pick([
      () => `+${1 + int(99)} ${digits(2 + int(3))} ${digits(3 + int(2))} ${digits(4)}`,
      () =>
        `+${digits(1 + int(3))}${pick(['', ' ', '-', '.'])}(${digits(1 + int(3))})${pick(['', ' '])}${digits(3)}-${digits(4)}`,
      () => `+44 20 7946 ${digits(4)}${int(3) === 0 ? ` ${digits(4)}` : ''}`,
      () => `(${2 + int(8)}${digits(2)}) ${2 + int(8)}${digits(2)}-${digits(4)}${int(4) === 0 ? ` x${digits(3)}` : ''}`,
      () => `1-800-${2 + int(8)}${digits(2)}-${digits(4)}`,
      () => `${2 + int(8)}${digits(2)}.${2 + int(8)}${digits(2)}.${digits(4)}`,
      () => `0${digits(2 + int(3))} ${digits(3 + int(2))} ${digits(3 + int(2))}`,
      () => `07700 ${digits(6)}`,
      () => `(0${digits(3)}) ${digits(3)} ${digits(4)}`,
      () => `+${digits(5 + int(14))}${int(3) === 0 ? ' ext. 12' : ''}`,
    ])();
  const card = () =>
    pick([
      () => group(luhnComplete('4', 16, next), 4, pick([' ', '-', ''])),
      () => group(luhnComplete('5', 16, next), 4, ' '),
      () => luhnComplete('37', 15, next),
      () => luhnComplete(pick(['6011', '65', '36', '3530', '62', '50']), 16 + int(4), next),
      () => '4111 1111 1111 1111',
      () => '3782 822463 10005',
      () => digits(13 + int(7)),
      () => group(digits(16), 4, ' '),
    ])();
  const ibanText = () => {
    const country = pick(Object.keys(IBAN_LENGTHS));
    const len = IBAN_LENGTHS[country]!;
    const body = int(3) === 0 ? `${letters(4, UPPER)}${digits(len - 8)}` : digits(len - 4);
    const value = int(5) === 0 ? `${country}${digits(2)}${body}` : iban(country, body);
    return int(2) ? group(value, 4, ' ') : value;
  };
  const ssn = () =>
    pick([
      () => `${digits(3)}-${digits(2)}-${digits(4)}`,
      () => `${digits(3)} ${digits(2)} ${digits(4)}`,
      () => `${digits(3)}.${digits(2)}.${digits(4)}`,
      () => `${pick(['SSN', 'SSN:', 'SS#', 'social security number', 'Social Security No.', 'ssn is'])} ${digits(9)}`,
      () => '078-05-1120',
      () => '666-12-3456',
    ])();
  const ip = () =>
    pick([
      () => `${int(300)}.${int(256)}.${int(256)}.${int(256)}${int(4) === 0 ? `/${int(40)}` : ''}`,
      () => `203.0.113.${int(256)}`,
      () => `${hex(4)}:${hex(1 + int(4))}::${hex(1 + int(4))}${int(4) === 0 ? '%eth0' : ''}${int(4) === 0 ? `/${int(140)}` : ''}`,
      () => `fe80::${hex(1 + int(4))}:`,
      () => `2001:db8:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}`,
      () => `::ffff:192.0.2.${int(256)}`,
      () => `${digits(2)}:${digits(2)}:${digits(2)}`,
      () => '::1',
    ])();
  const citation = () =>
    pick([
      () =>
        `${pick(LAST)} v. ${pick(ORG_HEADS)} ${pick(['Inc.', 'Corp.', 'LLC'])}, ${1 + int(999)} ${pick(['F.3d', 'F. Supp. 2d', 'U.S.', 'S. Ct.', 'F. App’x', "F. App'x", 'Cal. App. 4th', 'N.Y.S.2d', 'A.2d', 'WL', 'Eng. Rep.'])} ${int(9999)}${int(2) ? `, ${int(999)}` : ''}${int(2) ? ` (${pick(['2d Cir. 1999', '9th Cir.', 'S.D.N.Y. 2020'])})` : ''}`,
      () => `In re ${pick(ORG_HEADS)} ${pick(['Corp.', 'Holdings', 'Inc.'])}, ${int(999)} B.R. ${int(999)}`,
      () => `See ${pick(LAST)} vs. ${pick(LAST)}, ${int(99)} F. ${int(999)}`,
      () =>
        `${pick(['Case', 'Docket', 'Civil Action', 'Appeal', 'Index', ''])} No${pick(['.', 's.', '', '.:'])} ${pick([`${1 + int(9)}:${digits(2)}-cv-${digits(5)}`, `${digits(2)}-${digits(4)}`, `${digits(4)}-CV-${digits(4)}`, `${digits(6)}/20${digits(2)}`, digits(3)])}`,
      () =>
        `${1 + int(9)}:${digits(2)}-${pick(['cv', 'cr', 'md', 'bk', 'xx'])}-${digits(3 + int(4))}${int(4) === 0 ? '-JLR' : ''}`,
    ])();
  const matter = () =>
    pick([
      () => `${letters(2 + int(3), UPPER)}-${pick(['19', '20', '21'])}${digits(2)}-${digits(1 + int(5))}`,
      () => `${pick(['19', '20'])}${digits(2)}.${digits(2 + int(4))}`,
      () => `${pick(['$', 'USD ', 'EUR', '€', '£ '])}2026.${digits(3)}`,
      () => `matter ${letters(3, UPPER)}-2025-${digits(4)}`,
    ])();
  const word = () => {
    const w = pick(WORDS);
    const r = int(12);
    return r === 0 ? w.toUpperCase() : r === 1 ? w.toLowerCase() : r === 2 ? w[0]!.toUpperCase() + w.slice(1) : w;
  };
  const snippet = () => {
    const t = pick(labelled).text;
    const a = int(t.length);
    return t.slice(a, a + 1 + int(200));
  };
  const line = () =>
    pick([
      () => `\nFrom: ${person()} <${email()}>\n`,
      () => `\n${pick(['Hi', 'Dear', 'Thanks', 'Hello'])} ${pick(FIRST)},\n`,
      () => `\n${pick(['Thanks', 'Best', 'Regards', 'Cheers'])},\n${pick(FIRST)}\n`,
      () => `\n- ${pick(FIRST)}\n`,
      () => `${pick(FIRST)} said`,
      () => `${pick(FIRST)}, who`,
    ])();

  const pieces: (() => string)[] = [
    person, person, person, org, org, email, url, phone, card, ibanText, ssn, ip, citation, matter, line, snippet,
    () => pick(PLACEHOLDERS), word, word, word, word, word, word, word, word, () => pick(PUNCT), () => pick(PUNCT),
    () => String(int(100_000)), () => digits(1 + int(20)),
  ]; // biome-ignore format: table
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = 1 + int(n % 10 === 0 ? 120 : 30);
    let text = '';
    for (let k = 0; k < length; k++) {
      let piece = pick(pieces)();
      const r = int(20);
      if (r === 0) piece = piece.toUpperCase();
      else if (r === 1) piece = piece.toLowerCase();
      text += piece;
      text += int(8) === 0 ? (int(2) ? pick(PUNCT) : '') : pick(SPACES);
    }
    if (int(10) === 0) {
      // character-level noise: drop, duplicate or replace a few characters
      const chars = [...text];
      for (let k = 0; k < 3; k++) {
        const at = int(chars.length);
        const op = int(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, chars[at] ?? '');
        else chars[at] = pick([...PUNCT, ...SPACES, 'a', 'Z', '0', 'é', '\ud835', '\udc00']);
      }
      text = chars.join('');
    }
    texts.push(text);
  }
  return texts;
}

const SOUP = [
  'A', 'B', 'Z', 'a', 'z', 's', 'S', 'É', 'é', 'İ', 'ß', 'ǅ', '𝐀', '𝑥', '\u0301', '\u0308', '’', "'", '-', '.', '.',
  'U.S.', 'Mr.', 'Dr', 'O’Brien', "D'Arcy", 'Smith', 'Jones', 'Margaret', 'Okafor', 'Holdings', 'Inc', 'Ltd', 'and',
  'of', 'the', 'van', 'Hi', 'From', ':', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', '\u00a0', '\u2028', '\u3000', '1',
  '42', '2026', ',', ';', '"', '“', '(', ')', '😀', '\ud835', '\udc00', 'Müller', 'ÆRØ', 'Ωmega', 'Иван', '東京', '@', '_',
]; // biome-ignore format: alphabet

/** Texts glued from single characters and short pieces (letters of every case class, joiners, marks, spaces). */
export function characterSoup(count: number, seed: number): string[] {
  const next = rng(seed);
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    const length = 1 + Math.floor(next() * 80);
    for (let k = 0; k < length; k++) text += SOUP[Math.floor(next() * SOUP.length)];
    texts.push(text);
  }
  return texts;
}
