import { describe, expect, it } from '@jest/globals';
import {
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
  ibanChecksumValid,
  luhnValid,
  resolveOverlaps,
  ssnValid,
} from '../../src/anonymization/recognizers.js';
import type { EntityType, Span } from '../../src/anonymization/types.js';

type Detector = (text: string) => Span[];
// a single detector may report the same text twice (two patterns) or a part of a match; the detector resolves that
const found = (detect: Detector, text: string): string[] => resolveOverlaps(detect(text)).map((s) => text.slice(s.start, s.end));

const detector = new EntityDetector();
const of = (type: EntityType, text: string): string[] =>
  detector
    .detect(text, [type])
    .filter((s) => s.type === type)
    .map((s) => text.slice(s.start, s.end));

describe('EMAIL_ADDRESS', () => {
  it('finds addresses and stops at sentence punctuation', () => {
    expect(found(detectEmails, 'Write to j.whitaker+legal@northwind-traders.co.uk.')).toEqual([
      'j.whitaker+legal@northwind-traders.co.uk',
    ]);
    expect(found(detectEmails, '<a@b.io>, (x_y@sub.example.org)')).toEqual(['a@b.io', 'x_y@sub.example.org']);
  });
  it('ignores non-addresses', () => {
    expect(found(detectEmails, 'user@localhost, @handle, a@b, name@domain.c, foo..bar@x.com')).toEqual([]);
  });
});

describe('PHONE_NUMBER', () => {
  it('finds international, US and UK formats', () => {
    const text =
      'Call +44 20 7946 0958, +1-202-555-0173, (415) 555-0132, 212.555.0199 x204, 1-800-555-0132, 020 7946 0321, 07700 900123 or +49 30 901820.';
    expect(found(detectPhones, text)).toEqual([
      '+44 20 7946 0958',
      '+1-202-555-0173',
      '(415) 555-0132',
      '212.555.0199 x204',
      '1-800-555-0132',
      '020 7946 0321',
      '07700 900123',
      '+49 30 901820',
    ]);
  });
  it('ignores dates, ZIP+4, money, SSNs, dockets and short numbers', () => {
    expect(
      found(detectPhones, 'On 2026-04-12 ship to 90210-1234 for $1,250.00; SSN 536-22-1987; No. 1:23-cv-04567; ext 555-0100.'),
    ).toEqual([]);
    expect(found(detectPhones, '+12 34')).toEqual([]);
  });
});

describe('CREDIT_CARD', () => {
  it('accepts Luhn-valid numbers of real networks, grouped or not', () => {
    expect(found(detectCreditCards, 'Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 3782 822463 10005.')).toEqual([
      '4111 1111 1111 1111',
      '5555-5555-5555-4444',
      '3782 822463 10005',
    ]);
    expect(found(detectCreditCards, 'card:6011111111111117')).toEqual(['6011111111111117']);
  });
  it('rejects numbers failing Luhn or without a card prefix', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(found(detectCreditCards, '4111 1111 1111 1112 and 1234 5678 9012 3452 and 0000000000000000')).toEqual([]);
  });
});

describe('IBAN_CODE', () => {
  it('accepts checksum-valid IBANs, compact or in groups of four', () => {
    expect(found(detectIbans, 'Pay GB29 NWBK 6016 1331 9268 19 or DE89370400440532013000.')).toEqual([
      'GB29 NWBK 6016 1331 9268 19',
      'DE89370400440532013000',
    ]);
    expect(found(detectIbans, 'IBAN: NO93 8601 1117 947 (Norway)')).toEqual(['NO93 8601 1117 947']);
  });
  it('rejects a wrong checksum, a wrong length and unknown countries', () => {
    expect(ibanChecksumValid('GB29NWBK60161331926819')).toBe(true);
    expect(ibanChecksumValid('GB28NWBK60161331926819')).toBe(false);
    expect(found(detectIbans, 'GB28 NWBK 6016 1331 9268 19, GB29 NWBK 6016 1331 9268 1, XX29 NWBK 6016 1331 9268 19')).toEqual(
      [],
    );
  });
});

describe('US_SSN', () => {
  it('finds SSNs with separators, and bare nine digits only after an SSN label', () => {
    expect(found(detectSsns, 'SSN 536-22-1987; alt 536 22 1987; SSN: 536221987; id 536221987')).toEqual([
      '536-22-1987',
      '536 22 1987',
      '536221987',
    ]);
  });
  it('excludes invalid areas, groups and serials, and published dummies', () => {
    for (const bad of [
      '000-12-3456',
      '666-12-3456',
      '900-12-3456',
      '999-12-3456',
      '123-00-4567',
      '123-45-0000',
      '078-05-1120',
      '111-11-1111',
      '123-45-6789',
    ]) {
      expect(found(detectSsns, `SSN ${bad}`)).toEqual([]);
    }
    expect(ssnValid('536221987')).toBe(true);
    expect(found(detectSsns, 'phone 555-123-4567, date 2026-04-12')).toEqual([]);
  });
});

describe('IP_ADDRESS', () => {
  it('finds IPv4 (with CIDR) and IPv6 (compressed, full, embedded v4)', () => {
    expect(
      found(
        detectIps,
        'Hosts 192.168.10.4, 10.0.0.0/8, 2001:db8::8a2e:370:7334, ::1, fe80::1ff:fe23:4567:890a and ::ffff:192.0.2.1.',
      ),
    ).toEqual(['192.168.10.4', '10.0.0.0/8', '2001:db8::8a2e:370:7334', '::1', 'fe80::1ff:fe23:4567:890a', '::ffff:192.0.2.1']);
  });
  it('ignores out-of-range octets, version strings, times and C++ scopes', () => {
    expect(found(detectIps, '256.1.1.1, 1.2.3.4.5, 10:30:45, std::vector, 1.2.3')).toEqual([]);
  });
});

describe('URL', () => {
  it('finds scheme, www and bare-domain URLs without trailing punctuation', () => {
    expect(
      found(
        detectUrls,
        'See https://example.com/a?b=1&c=(2)), www.example.org/path. or portal.example.co.uk/login; ftp://files.example.net/x.',
      ),
    ).toEqual([
      'https://example.com/a?b=1&c=(2)',
      'www.example.org/path',
      'portal.example.co.uk/login',
      'ftp://files.example.net/x',
    ]);
  });
  it('ignores file names, abbreviations and e-mail domains', () => {
    expect(found(detectUrls, 'report.pdf, e.g. this, i.e. that, Node.js, jane@example.com')).toEqual([]);
  });
});

describe('CASE_NUMBER', () => {
  it('finds reporter citations with pinpoints and parentheticals', () => {
    const text =
      'See Brown v. Board of Education, 347 U.S. 483, 495 (1954); cf. Smith v. Jones, 123 F.3d 456 (9th Cir. 1997) and In re Marriage of Bonds, 24 Cal.4th 1 (2000).';
    expect(found(detectCaseNumbers, text)).toEqual([
      'Brown v. Board of Education, 347 U.S. 483, 495 (1954)',
      'Smith v. Jones, 123 F.3d 456 (9th Cir. 1997)',
      'In re Marriage of Bonds, 24 Cal.4th 1 (2000)',
    ]);
    expect(found(detectCaseNumbers, 'Acme, Inc. v. Widget Co., 55 F. Supp. 2d 100')).toEqual([
      'Acme, Inc. v. Widget Co., 55 F. Supp. 2d 100',
    ]);
  });
  it('finds docket numbers (the number, not the "Case No." label)', () => {
    expect(
      found(detectCaseNumbers, 'Case No. 1:23-cv-04567-JMF; Docket No. 22-1457; No. 2024-CV-001234; filed as 3:25-cv-01102.'),
    ).toEqual(['1:23-cv-04567-JMF', '22-1457', '2024-CV-001234', '3:25-cv-01102']);
  });
  it('does not match bare captions, plain numbers or prose', () => {
    expect(found(detectCaseNumbers, 'Smith v. Jones was settled. Roe v. Wade is famous.')).toEqual([]);
    expect(found(detectCaseNumbers, 'We sold 347 units in 2024-2025 and No. 5 was best; version 1.2.3.')).toEqual([]);
  });
});

describe('MATTER_NUMBER', () => {
  it('finds prefixed and dotted matter numbers', () => {
    expect(found(detectMatterNumbers, 'Matters LQ-2026-0042, lq-2025-7, 2026.0042 and (CORP-2019-12).')).toEqual([
      'LQ-2026-0042',
      'lq-2025-7',
      '2026.0042',
      'CORP-2019-12',
    ]);
  });
  it('does not match ISO dates, phone numbers, ZIP+4, currency or versions', () => {
    const negatives =
      'Dated 2026-04-12 and 2026.04.12; call 202.555.0173 or 2026-555-0199; ZIP 20500-0003; pay $2026.50, USD 2026.500, 2019.00 EUR; v2026.1.3; ABCDE-2026-1; 12026.0042; 2026.0042.7';
    expect(found(detectMatterNumbers, negatives)).toEqual([]);
  });
});

describe('PERSON and ORGANIZATION', () => {
  it('finds names with honorifics, initials, particles, hyphens and apostrophes', () => {
    const text =
      "Dear Mr. Jonathan Whitaker, Dr. Hannah Schmidt, Sarah O'Connor, Maria Gonzalez-Ruiz, John A. Smith and Ludwig van Beethoven.";
    expect(of('PERSON', text)).toEqual([
      'Jonathan Whitaker',
      'Hannah Schmidt',
      "Sarah O'Connor",
      'Maria Gonzalez-Ruiz',
      'John A. Smith',
      'Ludwig van Beethoven',
    ]);
  });
  it('finds first names in chat and e-mail cues, and name parts seen earlier in the text', () => {
    expect(of('PERSON', 'Hi Priya, ask Tom. Chidi Okonkwo agreed; later Okonkwo said no.\nThanks,\nOluwaseun')).toEqual([
      'Priya',
      'Tom',
      'Chidi Okonkwo',
      'Okonkwo',
      'Oluwaseun',
    ]);
  });
  it('finds organisations by legal form, organisation words and the lexicon', () => {
    const text =
      'Between Acme Holdings Ltd, Baxter & Partners LLP, Northwind Traders, Inc., Severn Valley Water plc, Achterberg Shipping B.V., University of Chicago, Goldman Sachs and Pfizer.';
    expect(of('ORGANIZATION', text)).toEqual([
      'Acme Holdings Ltd',
      'Baxter & Partners LLP',
      'Northwind Traders, Inc.',
      'Severn Valley Water plc',
      'Achterberg Shipping B.V.',
      'University of Chicago',
      'Goldman Sachs',
      'Pfizer',
    ]);
  });
  it('does not take defined terms, places, months, sentence openers or acronyms for names', () => {
    const text =
      'The Tenant shall pay the Purchase Price. Confidential Information excludes the Board of Directors minutes. In London on Monday, January 5, the Audit Committee met. Mark the box. NDA and GDPR apply. Grant access to the Employee.';
    expect(detector.detect(text, ['PERSON', 'ORGANIZATION'])).toEqual([]);
  });
  it('keeps parties of a full citation inside the CASE_NUMBER span', () => {
    const text = 'Relying on Smith v. Jones, 123 F.3d 456 (9th Cir. 1997), the court ruled.';
    expect(detector.detect(text).map((s) => [s.type, text.slice(s.start, s.end)])).toEqual([
      ['CASE_NUMBER', 'Smith v. Jones, 123 F.3d 456 (9th Cir. 1997)'],
    ]);
  });
});

describe('EntityDetector', () => {
  it('only returns enabled types', () => {
    const text = 'Jonathan Whitaker <j.whitaker@example.com>, +44 20 7946 0958';
    expect(detector.detect(text, ['PHONE_NUMBER']).map((s) => s.type)).toEqual(['PHONE_NUMBER']);
    expect(detector.detect(text, []).length).toBe(0);
  });
  it('resolves overlaps longest first, then by score', () => {
    const spans: Span[] = [
      { start: 0, end: 5, type: 'PERSON', score: 0.9 },
      { start: 0, end: 10, type: 'ORGANIZATION', score: 0.5 },
      { start: 8, end: 12, type: 'URL', score: 1 },
      { start: 12, end: 16, type: 'PERSON', score: 0.4 },
      { start: 12, end: 16, type: 'ORGANIZATION', score: 0.6 },
    ];
    expect(resolveOverlaps(spans)).toEqual([spans[1], spans[4]]);
  });
  it('lets an e-mail win over the name and domain inside it', () => {
    const text = 'Mail Priya.Raman@northwind.example.com today';
    expect(detector.detect(text).map((s) => [s.type, text.slice(s.start, s.end)])).toEqual([
      ['EMAIL_ADDRESS', 'Priya.Raman@northwind.example.com'],
    ]);
  });
});
