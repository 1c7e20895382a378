import { useEffect, useState } from 'preact/hooks';
import { loadModels, type ModelOption } from './models.js';
import type { TurnRequest } from './turn-stream.js';

export function Composer(props: { busy: boolean; onSend: (turn: TurnRequest) => void; onStop: () => void }) {
  const [models, setModels] = useState<ModelOption[]>([]);
  const [model, setModel] = useState('');
  const [floor, setFloor] = useState('');
  const [anonymize, setAnonymize] = useState(true);
  const [content, setContent] = useState('');
  const [modelsError, setModelsError] = useState<string | null>(null);

  useEffect(() => {
    loadModels().then(
      (list) => {
        setModels(list);
        setModel((current) => current || (list.find((m) => m.id === 'smart') ?? list[0])?.id || '');
      },
      (error: Error) => setModelsError(`Models could not be loaded: ${error.message}`),
    );
  }, []);

  const send = (event?: Event) => {
    event?.preventDefault();
    const text = content.trim();
    if (!text || props.busy || !model) return;
    props.onSend({ content: text, model, anonymize, ...(floor ? { minimum_inference_tier: Number(floor) } : {}) });
    setContent('');
  };

  return (
    <form class="composer" onSubmit={send}>
      <label class="sr-only" for="composer-message">
        Message
      </label>
      <textarea
        id="composer-message"
        rows={3}
        value={content}
        placeholder="Ask something… (Enter sends, Shift+Enter adds a line)"
        onInput={(e) => setContent((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
        }}
      />
      <div class="composer-controls">
        <label for="composer-model">Model</label>
        <select id="composer-model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id} (tier {m.routed_inference_tier})
            </option>
          ))}
        </select>
        <label for="composer-floor">Tier floor</label>
        <select id="composer-floor" value={floor} onChange={(e) => setFloor((e.target as HTMLSelectElement).value)}>
          <option value="">none</option>
          {[1, 2, 3, 4, 5].map((t) => (
            <option key={t} value={String(t)}>
              {t} or stronger
            </option>
          ))}
        </select>
        <label class="switch">
          <input type="checkbox" checked={anonymize} onChange={(e) => setAnonymize((e.target as HTMLInputElement).checked)} />{' '}
          Anonymize
        </label>
        <span class="spacer" />
        {props.busy ? (
          <button type="button" class="ghost" onClick={props.onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={!content.trim() || !model}>
            Send
          </button>
        )}
      </div>
      {modelsError && (
        <p class="error" role="alert">
          {modelsError}
        </p>
      )}
    </form>
  );
}
