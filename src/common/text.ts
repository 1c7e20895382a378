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

/**
 * Orders identifiers (entity types, file names) by UTF-16 code units: the same in every locale, and no
 * ICU collator (localeCompare's first use maps ~4 MB of collation data).
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
