import type { Message } from '../api/types.js';

/** One bubble in the conversation: a stored message, or the turn being streamed. */
export interface ChatEntry {
  id: string;
  role: Message['role'];
  kind: Message['kind'];
  content: string;
  model: string | null;
  tier: number | null;
  errorCode: string | null;
  /** The error's message when this tab saw it happen (history only has the code). */
  errorMessage: string | null;
  streaming: boolean;
  /** From the receipts: true shows the "Anonymized" pill; false and undefined show nothing. */
  anonymized?: boolean;
}

export function entryFrom(message: Message): ChatEntry {
  return {
    id: message.id,
    role: message.role,
    kind: message.kind,
    content: message.content,
    model: message.routed_model ?? message.requested_model,
    tier: message.routed_inference_tier,
    errorCode: message.error_code,
    errorMessage: null,
    streaming: false,
  };
}

/** What a failed answer says: refusals give their reason, other failures say the answer is partial. */
export function errorText(entry: ChatEntry): string | null {
  if (!entry.errorCode && entry.kind !== 'refusal') return null;
  const code = entry.errorCode ?? 'refused';
  if (entry.kind === 'refusal' || code === 'tier_below_minimum' || code === 'invalid_model') {
    return `Refused (${code}): ${entry.errorMessage ?? 'the request was not sent to any model. Open Receipts for the reason.'}`;
  }
  if (code === 'client_closed')
    return entry.content ? 'Stopped: the partial answer is kept.' : 'Stopped before the answer began.';
  const what = entry.errorMessage ?? 'the answer failed.';
  return entry.content ? `Failed (${code}): ${what} The partial answer above is kept.` : `Failed (${code}): ${what}`;
}
