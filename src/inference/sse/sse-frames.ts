export const DONE_FRAME = 'data: [DONE]\n\n';

export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;

/**
 * The range of `json` — the text of a JSON object that JSON.parse accepted — to cut to leave out its
 * top-level member `name`, with one comma beside it: `[comma, end of value)` for a later member,
 * `[key, past the comma after it)` for the first. Null when the member is not there with its key
 * spelled plainly (no escapes), is there twice, or is the only one. Strings are skipped with indexOf,
 * so the walk costs little more than the punctuation between them.
 */
export function memberCut(json: string, name: string): [number, number] | null {
  const key = `"${name}"`;
  const n = json.length;
  let depth = 0;
  let expectingKey = false;
  /** The comma before the current top-level member, -1 for the first. */
  let comma = -1;
  let cut: [number, number] | null = null;
  /** The wanted member is the current one: where its cut starts (-1 when it is not). */
  let from = -1;
  let first = false;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      let end = json.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (json.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = json.indexOf('"', end + 1);
      }
      if (end === -1) return null;
      if (depth === 1 && expectingKey && end - i + 1 === key.length && json.startsWith(key, i)) {
        if (cut || from !== -1) return null;
        first = comma === -1;
        from = first ? i : comma;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      depth++;
      if (depth === 1) expectingKey = true;
    } else if (depth === 1 && (c === COMMA || c === 125)) {
      if (from !== -1) {
        if (first && c !== COMMA) return null;
        cut = [from, first ? i + 1 : i];
        from = -1;
      }
      if (c === COMMA) {
        comma = i;
        expectingKey = true;
      } else depth--;
    } else if (c === 125 || c === 93) {
      depth--;
    } else if (c === COLON && depth === 1) {
      expectingKey = false;
    }
  }
  return cut;
}
