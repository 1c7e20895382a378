import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, query } from '../api/client.js';
import type { Chat, ChatPage } from '../api/types.js';
import { Icon } from '../icons.js';
import { Link } from '../Link.js';
import { navigate } from '../router.js';
import { Conversation } from './Conversation.js';

export function ChatsScreen({ chatId }: { chatId: string | null }) {
  const [chats, setChats] = useState<Chat[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    api<ChatPage>(`/chats${query({ limit: 50 })}`).then(
      (page) => {
        setChats(page.items);
        setCursor(page.next_cursor);
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  useEffect(refresh, []);

  const more = async () => {
    if (!cursor) return;
    const page = await api<ChatPage>(`/chats${query({ limit: 50, cursor })}`);
    setChats((list) => [...list, ...page.items]);
    setCursor(page.next_cursor);
  };

  const create = async () => {
    try {
      const chat = await api<Chat>('/chats', { method: 'POST', body: {} });
      setChats((list) => [chat, ...list]);
      navigate(`/chats/${chat.id}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const archive = async (chat: Chat) => {
    try {
      await api(`/chats/${chat.id}`, { method: 'DELETE' });
      setChats((list) => list.filter((c) => c.id !== chat.id));
      if (chat.id === chatId) navigate('/');
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div class="chats">
      <aside class="chat-list" aria-label="Chats">
        <button type="button" onClick={create}>
          <Icon name="plus" /> New chat
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <ul>
          {chats.map((chat) => (
            <li key={chat.id} class={chat.id === chatId ? 'current' : ''}>
              <Link to={`/chats/${chat.id}`} current={chat.id === chatId}>
                {chat.title}
              </Link>
              <button
                type="button"
                class="ghost small"
                aria-label={`Archive ${chat.title}`}
                title="Archive"
                onClick={() => archive(chat)}
              >
                <Icon name="archive" />
              </button>
            </li>
          ))}
        </ul>
        {cursor && (
          <button type="button" class="ghost" onClick={more}>
            More chats
          </button>
        )}
      </aside>
      {chatId ? (
        <Conversation key={chatId} chatId={chatId} onTurnDone={refresh} />
      ) : (
        <section class="conversation empty-state">
          <h1>Chats</h1>
          <p>Pick a chat, or start a new one. Each answer keeps a receipt: model, tier, tokens, cost and anonymization.</p>
        </section>
      )}
    </div>
  );
}
