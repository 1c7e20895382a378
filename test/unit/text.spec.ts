import { describe, expect, it } from '@jest/globals';
import { byCodeUnits } from '../../src/common/text.js';

describe('byCodeUnits', () => {
  it('orders identifiers by code units, where a collator would put punctuation before letters', () => {
    const types = [
      'US_SSN',
      'URL',
      'PERSON',
      'PHONE_NUMBER',
      'IP_ADDRESS',
      'IBAN_CODE',
      'EMAIL_ADDRESS',
      'EMAILX',
      'replay-0002',
      'replay-0010',
    ];
    expect([...types].sort(byCodeUnits)).toEqual([
      'EMAILX',
      'EMAIL_ADDRESS',
      'IBAN_CODE',
      'IP_ADDRESS',
      'PERSON',
      'PHONE_NUMBER',
      'URL',
      'US_SSN',
      'replay-0002',
      'replay-0010',
    ]);
    expect(byCodeUnits('A', 'A')).toBe(0);
    expect(byCodeUnits('A', 'B')).toBeLessThan(0);
    expect(byCodeUnits('b', 'B')).toBeGreaterThan(0);
  });
});
