import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import type { Chat } from '../api/types.js';
import { ReceiptsDrawer } from '../receipts/ReceiptsDrawer.js';
import { Composer } from './Composer.js';
import { type ChatEntry, entryFrom } from './entry.js';
import { loadAnonymization, loadChat, loadHistory } from './history.js';
import { MessageBubble } from './MessageBubble.js';
import { streamTurn, type TurnRequest } from './turn-stream.js';

const PENDING = 'pending';

export function Conversation(props: { chatId: string; onTurnDone: () => void }) {
  const { chatId } = props;
  const [chat, setChat] = useState<Chat | null>(null);
  const [entries, setEntries] = useState<ChatEntry[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const endRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setChat(null);
    setEntries([]);
    setLoadError(null);
    setDrawerOpen(false);
    Promise.all([loadChat(chatId), loadHistory(chatId)]).then(
      ([c, history]) => {
        if (!live) return;
        setChat(c);
        setEntries(history);
      },
      (error: Error) => {
        if (live) setLoadError(error instanceof ApiError && error.status === 404 ? 'This chat does not exist.' : error.message);
      },
    );
    return () => {
      live = false;
      abort.current?.abort();
    };
  }, [chatId]);

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [entries]);

  const update = (id: string, change: (e: ChatEntry) => ChatEntry) =>
    setEntries((list) => list.map((e) => (e.id === id ? change(e) : e)));

  const send = async (turn: TurnRequest) => {
    const controller = new AbortController();
    abort.current = controller;
    setBusy(true);
    let assistantId = PENDING;
    const userEntry: ChatEntry = {
      id: 'pending-user',
      role: 'user',
      kind: 'user',
      content: turn.content,
      model: null,
      tier: null,
      errorCode: null,
      errorMessage: null,
      streaming: false,
    };
    const assistantEntry: ChatEntry = {
      ...userEntry,
      id: PENDING,
      role: 'assistant',
      kind: 'ai',
      content: '',
      model: turn.model,
      streaming: true,
    };
    setEntries((list) => [...list, userEntry, assistantEntry]);
    const result = await streamTurn(
      chatId,
      turn,
      {
        onStart({ messageId, userMessageId }) {
          update('pending-user', (e) => ({ ...e, id: userMessageId }));
          update(PENDING, (e) => ({ ...e, id: messageId }));
          assistantId = messageId;
        },
        onDelta(text) {
          update(assistantId, (e) => ({ ...e, content: e.content + text }));
        },
        onComplete(message) {
          update(assistantId, () => ({ ...entryFrom(message), streaming: true }));
        },
        onError(error) {
          const refused = error.code === 'tier_below_minimum' || error.code === 'invalid_model';
          update(assistantId, (e) => ({
            ...e,
            kind: refused ? 'refusal' : e.kind,
            errorCode: error.code,
            errorMessage: error.message,
          }));
        },
      },
      controller.signal,
    );
    if (result.messageId && assistantId === PENDING) {
      // Refused before streaming: the envelope's details carry the stored answer's id.
      update(PENDING, (e) => ({ ...e, id: result.messageId! }));
      assistantId = result.messageId;
    }
    update(assistantId, (e) => ({ ...e, streaming: false }));
    setBusy(false);
    abort.current = null;
    props.onTurnDone();
    loadChat(chatId).then(setChat, () => undefined); // the first message names the chat
    if (result.done && !result.failed && assistantId !== PENDING) {
      const id = assistantId;
      loadAnonymization(chatId).then(
        (map) => {
          if (map.has(id)) update(id, (e) => ({ ...e, anonymized: map.get(id) }));
        },
        () => undefined, // the indicator is affirmative-only: no answer, no pill
      );
    }
  };

  if (loadError) {
    return (
      <section class="conversation">
        <p class="error" role="alert">
          {loadError}
        </p>
      </section>
    );
  }
  return (
    <section class="conversation" aria-label="Conversation">
      <header class="conversation-header">
        <h1>{chat?.title ?? 'Loading…'}</h1>
        {chat?.minimum_inference_tier && <span class="chip">floor: tier {chat.minimum_inference_tier}</span>}
        <span class="spacer" />
        <button type="button" onClick={() => setDrawerOpen(true)} disabled={!chat}>
          Receipts
        </button>
      </header>
      <div class="messages">
        {chat && entries.length === 0 && <p class="muted empty">No messages yet. Ask something below.</p>}
        {entries.map((entry) => (
          <MessageBubble key={entry.id} entry={entry} />
        ))}
        <div ref={endRef} />
      </div>
      {chat && !chat.archived_at && <Composer busy={busy} onSend={send} onStop={() => abort.current?.abort()} />}
      {chat?.archived_at && <p class="muted">This chat is archived: its receipts stay readable, new messages are refused.</p>}
      {drawerOpen && <ReceiptsDrawer chatId={chatId} onClose={() => setDrawerOpen(false)} />}
    </section>
  );
}
