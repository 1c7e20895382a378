/**
 * Per-request pseudonymisation: detected entities are replaced by placeholders `<TYPE>_<nnnn>` and
 * re-identified in the answer. One `Pseudonymizer` per request; the mapping lives in private fields of
 * that instance only — it is never logged, serialised or exposed except through `rehydrate`.
 */
import { EntityDetector, resolveOverlaps } from './recognizers.js';
import { ALL_ENTITY_TYPES, type Analyzer, type EntityType, type Span } from './types.js';

export interface PseudonymizerOptions {
  /** Entity types to replace (the gateway's `anonymization.entities`); default: all. */
  entities?: Iterable<EntityType>;
  /** Detector; default: the shared `EntityDetector`. Tests inject stubs. */
  analyzer?: Analyzer;
}

let defaultAnalyzer: Analyzer | undefined;

const PLACEHOLDER_SHAPE = /[A-Z][A-Z_]*_\d{4,}/g;

/**
 * Placeholder matchers by source, shared by all instances (`scan` resets `lastIndex` and runs
 * synchronously): a source holds type names only, a few distinct sets of them recur, and compiling one
 * costs ~50 µs, once per request otherwise.
 */
const MATCHERS = new Map<string, RegExp>();

/** The values mapped so far, for `#knownValueSpans`. */
interface KnownValues {
  version: number;
  /** value → type: the type it was first given (values of 2+ characters, in order of assignment) */
  types: Map<string, EntityType>;
  /** values by first UTF-16 unit, longest first (equal lengths in order of assignment) */
  byFirst: Map<number, string[]>;
  /** 1 for the ASCII units some value starts with */
  asciiFirst: Uint8Array;
}

function knownValues(reverse: ReadonlyMap<string, string>, version: number): KnownValues {
  const types = new Map<string, EntityType>();
  for (const [placeholder, value] of reverse) {
    if (value.length >= 2 && !types.has(value))
      types.set(value, placeholder.slice(0, placeholder.lastIndexOf('_')) as EntityType);
  }
  const byFirst = new Map<number, string[]>();
  const asciiFirst = new Uint8Array(128);
  for (const value of [...types.keys()].sort((a, b) => b.length - a.length)) {
    const c = value.charCodeAt(0);
    const list = byFirst.get(c);
    if (list === undefined) byFirst.set(c, [value]);
    else list.push(value);
    if (c < 128) asciiFirst[c] = 1;
  }
  return { version, types, byFirst, asciiFirst };
}

const isLead = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isTrail = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const WORD_CHAR = /[\p{L}\p{N}_]/uy;

/** Whether the code point starting at `i` is a letter, a number or "_". */
function wordCharAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  WORD_CHAR.lastIndex = i;
  return WORD_CHAR.test(text);
}

/** Whether the code point ending at `p` (> 0) is a letter, a number or "_". */
function wordCharBefore(text: string, p: number): boolean {
  const pair = p >= 2 && isTrail(text.charCodeAt(p - 1)) && isLead(text.charCodeAt(p - 2));
  return wordCharAt(text, pair ? p - 2 : p - 1);
}

/** The first (longest) of `values` that is a whole word at `p` of `text`, if any. */
function valueAt(text: string, p: number, values: readonly string[]): string | undefined {
  let before: boolean | undefined;
  for (const value of values) {
    if (!text.startsWith(value, p)) continue;
    const end = p + value.length;
    if (end < text.length) {
      if (isLead(value.charCodeAt(value.length - 1)) && isTrail(text.charCodeAt(end))) continue; // half a pair
      if (wordCharAt(text, end)) continue;
    }
    before ??= p > 0 && wordCharBefore(text, p);
    return before ? undefined : value;
  }
  return undefined;
}

export class Pseudonymizer {
  readonly #analyzer: Analyzer;
  readonly #entities: ReadonlySet<EntityType>;
  /** type → original → placeholder */
  readonly #forward = new Map<EntityType, Map<string, string>>();
  /** placeholder → original */
  readonly #reverse = new Map<string, string>();
  /** distinct entities per type */
  readonly #counters = new Map<string, number>();
  /** last number handed out per type (differs from the count when reserved literals were skipped) */
  readonly #lastNumber = new Map<string, number>();
  /** Placeholder-shaped literals seen in the input: never handed out, so they survive the round trip. */
  readonly #reserved = new Set<string>();
  #version = 0;
  #matcher: { version: number; re: RegExp | null } | undefined;
  #known: KnownValues | undefined;
  #prefixes: { version: number; set: Set<string>; starts: Set<string>; maxLen: number } | undefined;

  constructor(options: PseudonymizerOptions = {}) {
    if (options.analyzer === undefined) defaultAnalyzer ??= new EntityDetector();
    this.#analyzer = options.analyzer ?? defaultAnalyzer!;
    this.#entities = new Set(options.entities ?? ALL_ENTITY_TYPES);
  }

  /**
   * Marks placeholder-shaped literals in `text` (e.g. a pasted `PERSON_0001`) as taken, so that no
   * entity is given that name and the literal comes back unchanged. `anonymizeMessages` calls this for
   * every text of a request before anonymising any of them.
   */
  reserveLiterals(text: string): void {
    if (!text.includes('_')) return; // every placeholder has one
    for (const m of text.matchAll(PLACEHOLDER_SHAPE)) this.#reserved.add(m[0]);
  }

  /** Replaces every detected entity of an enabled type with its placeholder. */
  anonymize(text: string): string {
    if (text.length === 0 || this.#entities.size === 0) return text;
    this.reserveLiterals(text);
    const spans = this.#spansFor(text);
    if (spans.length === 0) return text;
    let out = '';
    let pos = 0;
    for (const s of spans) {
      out += text.slice(pos, s.start) + this.#assign(s.type, text.slice(s.start, s.end));
      pos = s.end;
    }
    return out + text.slice(pos);
  }

  /** Distinct entities per type (only types that occurred), types in code-unit order as `placeholdersFor` reads them. */
  entityCounts(): Record<string, number> {
    // Types are distinct, so no tie; not localeCompare, whose first call maps ICU's collation data (~4 MB).
    return Object.fromEntries([...this.#counters].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** The placeholders handed out so far, in order of assignment. */
  placeholders(): string[] {
    return [...this.#reverse.keys()];
  }

  /** Number of distinct entities replaced. */
  get size(): number {
    return this.#reverse.size;
  }

  /**
   * Replaces placeholders by their originals. Scans left to right; at each position the longest known
   * placeholder wins (so `PERSON_10000` is never read as `PERSON_1000` + "0"), and replaced text is not
   * scanned again. Unknown placeholder-shaped text is left as is.
   */
  rehydrate(text: string): string {
    return this.scan(text, true).out;
  }

  /**
   * The scan behind `rehydrate` and `StreamRehydrator`. With `final` false the text may still grow: the
   * scan stops at the first position it reaches from which the rest of the text is a proper prefix of a
   * known placeholder, and reports it as `held` (the caller keeps `text.slice(held)` for later). Every
   * decision taken before `held` is one the complete text would take too, so streaming output equals
   * `rehydrate` of the whole, however it is chunked.
   */
  scan(text: string, final: boolean): { out: string; held: number } {
    const re = this.#getMatcher();
    let hold = final ? text.length : this.#firstOpenPrefix(text, 0);
    if (re === null) return { out: text.slice(0, hold), held: hold };
    let out = '';
    let pos = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null && m.index < hold; m = re.exec(text)) {
      const hit = this.#longestKnown(m[0]);
      if (hit === undefined) {
        re.lastIndex = m.index + 1;
        continue;
      }
      out += text.slice(pos, m.index) + this.#reverse.get(hit)!;
      pos = m.index + hit.length;
      re.lastIndex = pos;
      // Open positions inside a replaced placeholder are never reached: look again after it.
      if (pos > hold) hold = this.#firstOpenPrefix(text, pos);
    }
    return { out: out + text.slice(pos, hold), held: hold };
  }

  // ------------------------------------------------------------------------------------------ private

  #spansFor(text: string): Span[] {
    const detected = this.#analyzer.detect(text, this.#entities).filter((s) => this.#entities.has(s.type));
    // Values already mapped in this request are replaced wherever they recur, even where the detector
    // missed them this time (a name at the start of a sentence, say).
    const known = this.#knownValueSpans(text);
    if (known.length === 0) return resolveOverlaps(detected);
    return resolveOverlaps([...detected, ...known]);
  }

  /**
   * Where the values mapped so far recur in `text` as whole words. What the expression
   * `(?<![\p{L}\p{N}_])(?:v1|v2|…)(?![\p{L}\p{N}_])` (flags `gu`, values longest first) matches, found
   * without building it: compiling its Unicode classes cost ~1 ms for each message of a request after
   * the first that brought new values. Scanned code point by code point; at each position the longest
   * value that is there, whole (a final lone high surrogate does not match half of a pair) and followed
   * by no letter, number or "_", wins when no letter, number or "_" precedes it.
   */
  #knownValueSpans(text: string): Span[] {
    if (this.#reverse.size === 0) return [];
    if (this.#known?.version !== this.#version) this.#known = knownValues(this.#reverse, this.#version);
    const { types, byFirst, asciiFirst } = this.#known;
    if (types.size === 0) return [];
    const spans: Span[] = [];
    const n = text.length;
    let p = 0;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c < 128 ? asciiFirst[c] === 1 : byFirst.has(c)) {
        const value = valueAt(text, p, byFirst.get(c)!);
        if (value !== undefined) {
          spans.push({ start: p, end: p + value.length, type: types.get(value)!, score: 0.99 });
          p += value.length;
          continue;
        }
      }
      p += isLead(c) && p + 1 < n && isTrail(text.charCodeAt(p + 1)) ? 2 : 1;
    }
    return spans;
  }

  #assign(type: EntityType, original: string): string {
    let byOriginal = this.#forward.get(type);
    if (byOriginal === undefined) {
      byOriginal = new Map();
      this.#forward.set(type, byOriginal);
    }
    const existing = byOriginal.get(original);
    if (existing !== undefined) return existing;
    let n = this.#lastNumber.get(type) ?? 0;
    let placeholder: string;
    do {
      n++;
      placeholder = `${type}_${String(n).padStart(4, '0')}`;
    } while (this.#reserved.has(placeholder));
    this.#lastNumber.set(type, n);
    this.#counters.set(type, (this.#counters.get(type) ?? 0) + 1);
    byOriginal.set(original, placeholder);
    this.#reverse.set(placeholder, original);
    this.#version++;
    return placeholder;
  }

  #getMatcher(): RegExp | null {
    if (this.#matcher?.version === this.#version) return this.#matcher.re;
    const types = new Set<string>();
    for (const p of this.#reverse.keys()) types.add(p.slice(0, p.lastIndexOf('_')));
    const alternation = [...types]
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|');
    let re: RegExp | null = null;
    if (types.size > 0) {
      const source = `(?:${alternation})_\\d{4,}`;
      re = MATCHERS.get(source) ?? null;
      if (re === null) {
        if (MATCHERS.size >= 256) MATCHERS.clear();
        re = new RegExp(source, 'g');
        MATCHERS.set(source, re);
      }
    }
    this.#matcher = { version: this.#version, re };
    return re;
  }

  /** The longest known placeholder that `candidate` (TYPE_digits) starts with. */
  #longestKnown(candidate: string): string | undefined {
    const digitsAt = candidate.lastIndexOf('_') + 1;
    for (let end = candidate.length; end >= digitsAt + 4; end--) {
      const p = end === candidate.length ? candidate : candidate.slice(0, end);
      if (this.#reverse.has(p)) return p;
    }
    return undefined;
  }

  /**
   * The first position ≥ `from` at which the rest of `text` is a proper prefix of a known placeholder:
   * text from there on could still become that placeholder once more arrives.
   */
  #firstOpenPrefix(text: string, from: number): number {
    const pre = this.#getPrefixes();
    const start = Math.max(from, text.length - pre.maxLen + 1);
    for (let i = start; i < text.length; i++) {
      if (!pre.starts.has(text[i]!)) continue;
      if (pre.set.has(text.slice(i))) return i;
    }
    return text.length;
  }

  #getPrefixes(): { set: Set<string>; starts: Set<string>; maxLen: number } {
    if (this.#prefixes?.version === this.#version) return this.#prefixes;
    const set = new Set<string>();
    const starts = new Set<string>();
    let maxLen = 0;
    for (const p of this.#reverse.keys()) {
      starts.add(p[0]!);
      maxLen = Math.max(maxLen, p.length);
      for (let n = 1; n < p.length; n++) set.add(p.slice(0, n));
    }
    this.#prefixes = { version: this.#version, set, starts, maxLen };
    return this.#prefixes;
  }
}

// --------------------------------------------------------------------------------------- messages

export interface TextBlock {
  type: 'text';
  text: string;
  [key: string]: unknown;
}

export interface ChatMessageLike {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

const ANONYMIZED_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

const isTextBlock = (b: unknown): b is TextBlock =>
  typeof b === 'object' &&
  b !== null &&
  (b as { type?: unknown }).type === 'text' &&
  typeof (b as { text?: unknown }).text === 'string';

/**
 * Pseudonymises the string `content` and the `{type:'text'}` blocks of system, developer, user and
 * assistant messages, in order, through one shared `pseudonymizer`. Tool messages, `tool_calls`,
 * `name` and every other field are left untouched. Returns new message objects; the input is not
 * mutated.
 */
export function anonymizeMessages<T extends ChatMessageLike>(messages: readonly T[], pseudonymizer: Pseudonymizer): T[] {
  const eligible = (m: T) => ANONYMIZED_ROLES.has(m.role);
  // Reserve placeholder-shaped literals across the whole request first.
  for (const m of messages) {
    if (!eligible(m)) continue;
    if (typeof m.content === 'string') pseudonymizer.reserveLiterals(m.content);
    else if (Array.isArray(m.content)) for (const b of m.content) if (isTextBlock(b)) pseudonymizer.reserveLiterals(b.text);
  }
  return messages.map((m) => {
    if (!eligible(m)) return { ...m };
    if (typeof m.content === 'string') return { ...m, content: pseudonymizer.anonymize(m.content) };
    if (Array.isArray(m.content)) {
      return {
        ...m,
        content: m.content.map((b: unknown) => (isTextBlock(b) ? { ...b, text: pseudonymizer.anonymize(b.text) } : b)),
      };
    }
    return { ...m };
  });
}
