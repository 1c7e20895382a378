import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ReceiptEvent } from '../api/types.js';
import { downloadWithKey } from './download.js';
import { DRAWER_TEXT, eventKey, kindsPresent, type ReceiptEventLike, receiptsHeading } from './format.js';
import { ReceiptRow } from './ReceiptRow.js';

type State = { status: 'loading' } | { status: 'error' } | { status: 'ready'; events: ReceiptEventLike[] };

/** The Receipts drawer (§1.9): fetched unfiltered each time it opens; chips filter client-side. */
export function ReceiptsDrawer({ chatId, onClose }: { chatId: string; onClose: () => void }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [exportError, setExportError] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const exportPath = `/chats/${chatId}/receipts/export.jsonl`;

  const load = () => {
    setState({ status: 'loading' });
    api<ReceiptEvent[]>(`/chats/${chatId}/receipts`).then(
      (events) => setState({ status: 'ready', events: events as ReceiptEventLike[] }),
      () => setState({ status: 'error' }),
    );
  };
  useEffect(load, [chatId]);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      opener?.focus?.();
    };
  }, []);

  const toggle = (kind: string) =>
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });

  const exportJsonl = async (event: MouseEvent) => {
    event.preventDefault();
    setExportError(null);
    try {
      await downloadWithKey(exportPath, `chat-${chatId}-receipts.jsonl`);
    } catch (e) {
      setExportError(`Export failed: ${(e as Error).message}`);
    }
  };

  const events = state.status === 'ready' ? state.events : [];
  return (
    <div class="drawer-layer">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer convenience; Esc and the ✕ button close it from the keyboard */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: as above */}
      <div class="backdrop" data-testid="receipts-backdrop" onClick={onClose} />
      <div class="drawer" role="dialog" aria-modal="true" aria-label="Receipts">
        <header class="drawer-header">
          <h2>{receiptsHeading(events.length)}</h2>
          <span class="spacer" />
          <a href={exportPath} download={`chat-${chatId}-receipts.jsonl`} onClick={exportJsonl}>
            Export
          </a>
          <button type="button" class="ghost" ref={closeRef} aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </header>
        {exportError && (
          <p class="error" role="alert">
            {exportError}
          </p>
        )}
        {state.status === 'loading' && <p class="muted">{DRAWER_TEXT.loading}</p>}
        {state.status === 'error' && (
          <div class="drawer-state">
            <p class="error">{DRAWER_TEXT.failed}</p>
            <button type="button" onClick={load}>
              Retry
            </button>
          </div>
        )}
        {state.status === 'ready' && events.length === 0 && <p class="muted">{DRAWER_TEXT.empty}</p>}
        {events.length > 0 && (
          <>
            <fieldset class="chips">
              <legend class="sr-only">Filter by kind</legend>
              {kindsPresent(events).map((kind) => (
                <button
                  key={kind}
                  type="button"
                  class="chip-toggle"
                  aria-pressed={!hidden.has(kind)}
                  onClick={() => toggle(kind)}
                >
                  {kind}
                </button>
              ))}
            </fieldset>
            <ul class="receipt-list">
              {events
                .filter((e) => !hidden.has(e.kind))
                .map((e) => (
                  <ReceiptRow key={eventKey(e)} event={e} />
                ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
