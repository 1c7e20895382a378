/** True when `text` holds an ASCII control character (C0 or DEL), which no identifier should. */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** PostgreSQL text cannot hold NUL. */
export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}
