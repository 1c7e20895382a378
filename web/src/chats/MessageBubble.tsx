import { useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { Markdown } from '../markdown/Markdown.js';
import { ANONYMIZED_LABEL, ANONYMIZED_TOOLTIP, showsAnonymizedPill, tierLabel } from '../receipts/format.js';
import { type ChatEntry, errorText } from './entry.js';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" class="ghost small" onClick={copy} aria-label="Copy">
      <Icon name="copy" /> {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** The per-message indicator (§2): affirmative-only, beside the tier chip. */
export function AnonymizedPill() {
  return (
    <span class="pill pill-success" title={ANONYMIZED_TOOLTIP}>
      <Icon name="shield-check" /> {ANONYMIZED_LABEL}
    </span>
  );
}

export function MessageBubble({ entry }: { entry: ChatEntry }) {
  const assistant = entry.role === 'assistant';
  const error = assistant ? errorText(entry) : null;
  return (
    <article
      class={`bubble ${assistant ? 'assistant' : 'user'}`}
      aria-label={assistant ? 'Assistant message' : 'Your message'}
      aria-busy={entry.streaming ? 'true' : undefined}
    >
      {assistant ? (
        entry.content ? (
          <Markdown source={entry.content} />
        ) : entry.streaming ? (
          <p class="muted">Thinking…</p>
        ) : null
      ) : (
        <p class="user-text">{entry.content}</p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {assistant && !entry.streaming && (
        <footer class="bubble-meta">
          {entry.model && <span class="muted">{entry.model}</span>}
          <span class="spacer" />
          {entry.tier !== null && <span class="chip">{tierLabel(entry.tier)}</span>}
          {showsAnonymizedPill(entry.anonymized) && <AnonymizedPill />}
          {entry.content && <CopyButton text={entry.content} />}
        </footer>
      )}
    </article>
  );
}
