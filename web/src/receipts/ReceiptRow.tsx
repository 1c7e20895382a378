import { useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import {
  ANONYMIZED_LABEL,
  anonStatus,
  describeEvent,
  iconFor,
  inferenceExtras,
  NOT_ANONYMIZED_LABEL,
  type ReceiptEventLike,
  tierLabel,
} from './format.js';

export function ReceiptRow({ event }: { event: ReceiptEventLike }) {
  const [open, setOpen] = useState(false);
  const view = describeEvent(event);
  const anon = anonStatus(event);
  const extras = event.kind === 'inference' || event.kind === 'error' ? inferenceExtras(event.detail) : [];
  return (
    <li class={`receipt-row tone-${view.tone}`} data-kind={event.kind}>
      <span class="receipt-icon">
        <Icon name={iconFor(event.kind)} />
      </span>
      <div class="receipt-body">
        <div class="receipt-line">
          <span class="receipt-label">{view.label}</span>
          {view.tier !== null && <span class="pill">{tierLabel(view.tier)}</span>}
          <span class="spacer" />
          <time dateTime={event.ts} class="muted">
            {new Date(event.ts).toLocaleTimeString()}
          </time>
        </div>
        {view.secondary && <div class="receipt-secondary">{view.secondary}</div>}
        {(anon || extras.length > 0) && (
          <div class="receipt-line">
            {anon === 'applied' && (
              <span class="pill pill-success">
                <Icon name="shield-check" /> {ANONYMIZED_LABEL}
              </span>
            )}
            {anon === 'none' && (
              <span class="pill pill-muted">
                <Icon name="shield" /> {NOT_ANONYMIZED_LABEL}
              </span>
            )}
            {extras.map((text) => (
              <span key={text} class="receipt-extra">
                {text}
              </span>
            ))}
          </div>
        )}
        <button type="button" class="link small" aria-expanded={open} onClick={() => setOpen(!open)}>
          Details
        </button>
        {open && <pre class="receipt-json">{JSON.stringify(event.detail, null, 2)}</pre>}
      </div>
    </li>
  );
}
