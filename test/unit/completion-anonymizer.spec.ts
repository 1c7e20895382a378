import { describe, expect, it } from '@jest/globals';
import { CompletionAnonymizer } from '../../src/anonymization/completion-anonymizer.js';
import { ENTITY_TYPES } from '../../src/config/gateway-config.schema.js';

const settings = { enabled: true, apply_at_tiers: [3, 4, 5], entities: [...ENTITY_TYPES] };
const messages = [{ role: 'user', content: 'Ask Hannah Schmidt at hannah@example.com.' }];

describe('CompletionAnonymizer gate', () => {
  it('records each skip reason, in the documented order', () => {
    expect(
      new CompletionAnonymizer({ ...settings, enabled: false }, { privileged: true, optOut: true }, messages).skipReason(4),
    ).toBe('disabled');
    expect(new CompletionAnonymizer(settings, { privileged: true, optOut: true }, messages).skipReason(1)).toBe(
      'tier_not_in_apply_at_tiers',
    );
    expect(new CompletionAnonymizer(settings, { privileged: true, optOut: true }, messages).skipReason(4)).toBe('privileged');
    expect(new CompletionAnonymizer(settings, { privileged: false, optOut: true }, messages).skipReason(4)).toBe(
      'request_opt_out',
    );
    expect(new CompletionAnonymizer(settings, { privileged: false, optOut: false }, messages).skipReason(4)).toBeNull();
  });

  it('sends originals to a skipped tier and placeholders to an applied one, with counts per type', () => {
    const anonymizer = new CompletionAnonymizer(settings, { privileged: false, optOut: false }, messages);
    expect(anonymizer.messagesFor(1)).toBe(messages);
    expect(anonymizer.messagesFor(4)[0].content).toBe('Ask PERSON_0001 at EMAIL_ADDRESS_0001.');
    expect(anonymizer.columns(4)).toEqual({
      anonymization_applied: true,
      anonymized_entities: { PERSON: 1, EMAIL_ADDRESS: 1 },
      anonymization_skip_reason: null,
    });
    expect(anonymizer.columns(1)).toEqual({
      anonymization_applied: false,
      anonymized_entities: null,
      anonymization_skip_reason: 'tier_not_in_apply_at_tiers',
    });
  });

  it('replaces only the entity types switched on in gateway.yaml', () => {
    const anonymizer = new CompletionAnonymizer(
      { ...settings, entities: ['EMAIL_ADDRESS'] },
      { privileged: false, optOut: false },
      messages,
    );
    expect(anonymizer.messagesFor(4)[0].content).toBe('Ask Hannah Schmidt at EMAIL_ADDRESS_0001.');
    expect(anonymizer.columns(4).anonymized_entities).toEqual({ EMAIL_ADDRESS: 1 });
  });

  it('re-identifies a stream split at every boundary exactly like the non-streamed answer', () => {
    const anonymizer = new CompletionAnonymizer(settings, { privileged: false, optOut: false }, messages);
    anonymizer.messagesFor(4);
    const answer = 'Sure: PERSON_0001 <EMAIL_ADDRESS_0001>, not PERSON_00012 or PERSON_';
    const whole = {
      id: 'x',
      object: 'chat.completion' as const,
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    };
    anonymizer.rehydrateCompletion(whole);
    for (let cut = 0; cut <= answer.length; cut++) {
      const rehydrator = anonymizer.chunkRehydrator(4)!;
      const chunk = (content: string, finish: string | null = null) => ({
        id: 'x',
        object: 'chat.completion.chunk' as const,
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content }, finish_reason: finish }],
      });
      const out = [...rehydrator.transform(chunk(answer.slice(0, cut))), ...rehydrator.transform(chunk(answer.slice(cut)))];
      const tail = rehydrator.flush();
      const text = [...out, ...(tail ? [tail] : [])].map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe(whole.choices[0].message.content);
    }
  });
});
