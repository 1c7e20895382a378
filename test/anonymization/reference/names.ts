// FROZEN REFERENCE (test fixture, not production code): a verbatim copy of src/anonymization/names.ts as of
// commit 535a6e1, before the allocation/CPU cuts of branch perf-anon. test/anonymization/differential.spec.ts and
// bench/anonymization-cost.bench.ts use it as the oracle: the optimised code must give byte-identical results.
// Do not edit it to follow later changes of detection behaviour; re-freeze it instead (copy src/ over it).

/**
 * PERSON and ORGANIZATION detection backed by the `compromise` NLP package.
 *
 * What comes from the package: its English lexicon (~24k entries: first names by gender, last names,
 * honorifics, known organisations, places, and the part-of-speech class of common words, including
 * multi-word entries such as "goldman sachs" or "new york") and its organisation-word model
 * (`orgWords`: "bank", "holdings", "university", ...). Compromise's full tagger is not run over the
 * text: on a 20 kB prompt it costs ~100 ms, twenty times the latency budget (see README.md). Instead a
 * single linear pass groups capitalised words into candidate runs and classifies each run with the
 * lexicon, plus a dictionary of common English words (`word-list`) so that capitalised defined terms
 * ("Confidential Information", "the Tenant") are not mistaken for names.
 *
 * Pure: no state survives a call except the lazily loaded, read-only lexicons.
 *
 * The service does not load compromise (~45 MB resident, 0.3–1 s to load): what detection reads of it
 * is distilled at build time into name-lexicon.data.ts (`npm run generate:name-lexicon`; a test fails
 * when it drifts from the installed compromise), parsed on the first detection in ~10 ms.
 */
import { readFileSync } from 'node:fs';
import wordListPath from 'word-list';
import { NAME_LEXICON } from '../../../src/anonymization/name-lexicon.data.js';
import type { Span } from '../../../src/anonymization/types.js';
import { LineSet } from './line-set.js';

type Tags = string | string[] | undefined;

type PhraseKind = 'o' | 'n' | 'p';

interface Resources {
  /** compromise's multi-word entries that are an organisation, a person or a place */
  phrases: Map<string, PhraseKind>;
  /** lexical features (bit set `F.*`) of every word the lexicons know */
  features: Map<string, number>;
  /** first words of the lexicon's multi-word entries ("goldman" of "goldman sachs") */
  phraseStarts: Set<string>;
  /** `word-list`'s 274k words, one string and a hash table rather than a string per word */
  dictionary: LineSet;
}

/** Feature bits, precomputed per known word so that a capitalised word costs one map lookup. */
const F = {
  first: 1,
  last: 2,
  person: 4,
  honorific: 8,
  place: 16,
  orgLex: 32,
  legal: 64,
  strongOrg: 128,
  orgWord: 256,
  closed: 512,
  verb: 1024,
  // 2048 unused
  inLexicon: 4096,
  commonLex: 8192,
  common: 16384,
  unknown: 32768,
} as const;

/** Company legal-form designators: strong evidence that the run before them is an organisation. */
const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'ltd', 'limited', 'llc', 'llp', 'lp', 'plc',
  'gmbh', 'ag', 'kg', 'sa', 'sas', 'sarl', 'srl', 'spa', 'nv', 'bv', 'ab', 'oy', 'asa', 'pty', 'pte', 'bhd',
  'kk', 'pllc', 'pc', 'pvt', 'holdings', 'group', 'partners', 'partnership', 'associates', 'bros', 'trust',
]); // biome-ignore format: word table
/** Organisation words that, like legal forms, make a capitalised run an organisation on their own. */
const STRONG_ORG_WORDS = new Set([
  'capital', 'ventures', 'industries', 'solutions', 'technologies', 'systems', 'consulting', 'logistics',
  'analytics', 'pharmaceuticals', 'pharma', 'labs', 'laboratories', 'enterprises', 'insurance', 'bank',
  'bancorp', 'airlines', 'motors', 'foods', 'media', 'properties', 'realty', 'investments', 'securities',
  'software', 'networks', 'therapeutics', 'biotech', 'university', 'foundation', 'institute', 'exports',
  'imports', 'trading', 'traders', 'shipping', 'freight', 'construction', 'engineering', 'manufacturing',
  'advisors', 'advisers', 'solicitors', 'attorneys', 'chambers', 'advogados', 'abogados', 'avocats',
  'rechtsanwälte', 'authority', 'agency', 'commission',
]); // biome-ignore format: word table
/** Words that abbreviate with a trailing period inside an organisation name. */
const ORG_ABBREVIATIONS = new Set(['inc', 'corp', 'co', 'bros', 'mfg', 'intl', 'assn']);
/** Titles that precede a name but are not tagged Honorific in the lexicon. */
const TITLES = new Set([
  'judge', 'justice', 'professor', 'senator', 'president', 'chancellor', 'magistrate', 'commissioner',
  'mayor', 'governor', 'detective', 'officer', 'inspector', 'sergeant', 'captain', 'father', 'sister',
  'mx', 'miss', 'dame', 'lord', 'lady', 'mrs', 'ms', 'mr', 'dr', 'prof', 'sir', 'rev', 'hon', 'aunt',
  'auntie', 'uncle', 'grandma', 'grandpa', 'granny', 'cousin', 'mum', 'mom', 'dad',
]); // biome-ignore format: word table
/** Lower-case name particles allowed inside a person's name. */
const PARTICLES = new Set([
  'van', 'von', 'de', 'da', 'del', 'della', 'der', 'den', 'di', 'du', 'la', 'le', 'dos', 'das', 'ter', 'ten',
  'bin', 'ibn', 'al', 'el', 'y', 'st',
]); // biome-ignore format: word table
/** Words before a single unknown capitalised word that mark it as a person being addressed. */
const GREETINGS = new Set([
  'hi', 'hello', 'hey', 'dear', 'dearest', 'thanks', 'thank', 'cheers', 'regards', 'best', 'sincerely',
  'yours', 'morning', 'afternoon', 'evening', 'congrats', 'congratulations', 'welcome', 'bye', 'attn',
  'attention', 'cc', 'ask', 'tell', 'ping', 'remind', 'cc:', 'per', 'thx', 'ty', 'love', 'warmly',
]); // biome-ignore format: word table
/** Verbs after a single unknown capitalised word that mark it as a person. */
const PERSON_VERBS = new Set([
  'said', 'says', 'wrote', 'writes', 'asked', 'asks', 'told', 'tells', 'replied', 'replies', 'confirmed',
  'confirms', 'agreed', 'agrees', 'signed', 'signs', 'emailed', 'mentioned', 'mentions', 'noted', 'notes',
  'explained', 'testified', 'argued', 'argues', 'stated', 'states', 'claimed', 'claims', 'recommended',
  'suggested', 'suggests', 'wants', 'thinks', 'believes', 'called', 'joined', 'resigned', 'approved',
  'reviewed', 'drafted', 'sent', 'will', 'would', 'should', 'can', 'could', 'has', 'had', 'is', 'was',
]); // biome-ignore format: word table
/** Header labels after which the rest of the line is a person's name ("From: Priya Raman"). */
const HEADER_LABELS = new Set(['from', 'to', 'cc', 'bcc', 'attn', 'attention', 'signed', 'by', 'name', 'contact']);
/** Lexicon classes that make a capitalised word a sentence opener rather than part of a name. */
const CLOSED_TAGS = new Set([
  'Determiner', 'Preposition', 'Conjunction', 'Pronoun', 'Expression', 'QuestionWord', 'Modal', 'Copula',
  'Adverb', 'Date', 'Month', 'WeekDay', 'Negative',
]); // biome-ignore format: word table
const VERB_TAGS = new Set(['Infinitive', 'PresentTense', 'PastTense', 'Gerund']);
const NAME_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person']);
const PLACE_TAGS = new Set(['Place', 'City', 'Country', 'Region', 'Demonym']);
const FIRST_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName']);
const LAST_TAGS = new Set(['LastName']);
const PERSON_TAGS = new Set(['Person']);
const HONORIFIC_TAGS = new Set(['Honorific']);
const ORG_TAGS = new Set(['Organization']);
/** Objects that make a sentence-initial first name an imperative verb ("Mark the box", "Grant access"). */
const IMPERATIVE_OBJECTS = new Set([
  'the', 'a', 'an', 'this', 'that', 'these', 'those', 'all', 'any', 'each', 'every', 'your', 'our', 'my',
  'his', 'her', 'their', 'its', 'it', 'them', 'us', 'me', 'him', 'you', 'access', 'permission', 'up', 'down',
]); // biome-ignore format: word table

let resources: Resources | undefined;

/** What compromise's lexicon contributes: per-word feature bits, and multi-word entries by kind. */
export interface CompromiseLexicon {
  /** `word\tbits` lines (bits: see `F`), for every single- or multi-word lexicon entry and org word. */
  readonly features: string;
  /** `phrase\tkind` lines for multi-word entries that are an organisation (o), a person (n) or a place (p). */
  readonly phrases: string;
}

/**
 * Distils compromise's model into the compact tables detection reads. Run at build time by
 * `npm run generate:name-lexicon` (into name-lexicon.data.ts, checked by a test against the installed
 * compromise), so the service never loads compromise itself (~45 MB resident, 0.3–1 s to load).
 */
export function distilCompromise(model: {
  one: { lexicon: Record<string, Tags> };
  two: { orgWords: Record<string, unknown> };
}): CompromiseLexicon {
  const bitsOf = new Map<string, number>();
  const add = (word: string, bits: number) => bitsOf.set(word, (bitsOf.get(word) ?? 0) | bits);
  const phrases: string[] = [];
  for (const [word, tags] of Object.entries(model.one.lexicon)) {
    const named = hasTag(tags, NAME_TAGS);
    let bits = F.inLexicon;
    if (hasTag(tags, FIRST_TAGS)) bits |= F.first;
    if (hasTag(tags, LAST_TAGS)) bits |= F.last;
    if (hasTag(tags, PERSON_TAGS)) bits |= F.person;
    if (hasTag(tags, HONORIFIC_TAGS)) bits |= F.honorific;
    if (hasTag(tags, PLACE_TAGS)) bits |= F.place;
    if (hasTag(tags, ORG_TAGS)) bits |= F.orgLex;
    if (!named && hasTag(tags, CLOSED_TAGS)) bits |= F.closed;
    if (!named && hasTag(tags, VERB_TAGS)) bits |= F.verb;
    if (!named && !hasTag(tags, PLACE_TAGS)) bits |= F.commonLex;
    add(word, bits);
    if (word.includes(' ')) {
      const kind = hasTag(tags, ORG_TAGS) ? 'o' : hasTag(tags, NAME_TAGS) ? 'n' : hasTag(tags, PLACE_TAGS) ? 'p' : '';
      if (kind) phrases.push(`${word}\t${kind}`);
    }
  }
  for (const w of Object.keys(model.two.orgWords)) add(w, F.orgWord);
  return {
    features: [...bitsOf].map(([word, bits]) => `${word}\t${bits}`).join('\n'),
    phrases: phrases.join('\n'),
  };
}

function loadResources(): Resources {
  if (resources) return resources;
  const dictionary = new LineSet(readFileSync(wordListPath, 'utf8'));
  const features = new Map<string, number>();
  for (const line of NAME_LEXICON.features.split('\n')) {
    const tab = line.indexOf('\t');
    features.set(line.slice(0, tab), Number(line.slice(tab + 1)));
  }
  const add = (word: string, bits: number) => features.set(word, (features.get(word) ?? 0) | bits);
  for (const w of STRONG_ORG_WORDS) add(w, F.strongOrg | F.orgWord);
  for (const w of LEGAL_FORMS) add(w, F.legal | F.strongOrg | F.orgWord);
  for (const w of TITLES) add(w, F.honorific);
  const phrases = new Map<string, PhraseKind>();
  for (const line of NAME_LEXICON.phrases.split('\n')) {
    const tab = line.indexOf('\t');
    phrases.set(line.slice(0, tab), line.slice(tab + 1) as PhraseKind);
  }
  const phraseStarts = new Set([...phrases.keys()].map((k) => k.slice(0, k.indexOf(' '))));
  resources = { phrases, features, phraseStarts, dictionary };
  return resources;
}

const hasTag = (tags: Tags, set: Set<string>): boolean =>
  tags !== undefined && (typeof tags === 'string' ? set.has(tags) : tags.some((t) => set.has(t)));

const TOKEN_RE = /((?:\p{Lu}\.){2,}|\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*)|\d+|[^\s\p{L}\p{M}\d]/gu;

/** A token. Lexical features live in one bit set (`bits`, see `F`) read through getters. */
class Word {
  constructor(
    public start: number,
    public end: number,
    public readonly text: string,
    public readonly lower: string,
    public readonly isWord: boolean,
    public readonly cap: boolean,
    public readonly upper: boolean,
    /** Followed directly by "'s" (already cut off `end`). */
    public readonly possessive: boolean,
    public readonly newlineBefore: boolean,
    public bits: number,
  ) {}
  get first(): boolean {
    return (this.bits & F.first) !== 0;
  }
  get last(): boolean {
    return (this.bits & F.last) !== 0;
  }
  get personLex(): boolean {
    return (this.bits & F.person) !== 0;
  }
  get honorific(): boolean {
    return (this.bits & F.honorific) !== 0;
  }
  get place(): boolean {
    return (this.bits & F.place) !== 0;
  }
  get orgLex(): boolean {
    return (this.bits & F.orgLex) !== 0;
  }
  get orgWord(): boolean {
    return (this.bits & F.orgWord) !== 0;
  }
  get legal(): boolean {
    return (this.bits & F.legal) !== 0;
  }
  get strongOrg(): boolean {
    return (this.bits & F.strongOrg) !== 0;
  }
  /** closed-class word (determiner, preposition, pronoun, ...), date word or adverb */
  get closed(): boolean {
    return (this.bits & F.closed) !== 0;
  }
  /** verb form (other than a name) */
  get verb(): boolean {
    return (this.bits & F.verb) !== 0;
  }
  get common(): boolean {
    return (this.bits & F.common) !== 0;
  }
  /** Not a common word, place or organisation: a capitalised word that may be a name. */
  get unknown(): boolean {
    return (this.bits & F.unknown) !== 0;
  }
}

type Kind = 'PERSON' | 'ORGANIZATION';
interface Candidate {
  start: number;
  end: number;
  type: Kind;
  score: number;
}

export interface NameDetectorContext {
  /** Person names already found elsewhere in the same request: their parts are names here too. */
  knownPersons?: Iterable<string>;
  knownOrganizations?: Iterable<string>;
}

export class NameDetector {
  private static instance: NameDetector | undefined;

  /** The process-wide detector (lexicons are read-only, so one is enough). */
  static shared(): NameDetector {
    NameDetector.instance ??= new NameDetector();
    return NameDetector.instance;
  }

  /** The lexicons, built on first use from the distilled tables (~10 ms). */
  private get res(): Resources {
    return loadResources();
  }

  detect(text: string, context: NameDetectorContext = {}): Span[] {
    const toks = this.tokenize(text);
    const out: Candidate[] = [];
    const pending: { w: Word; idx: number }[] = [];
    const personParts = new Set<string>();
    const orgParts = new Set<string>();
    for (const p of context.knownPersons ?? []) for (const part of p.split(/\s+/)) personParts.add(part);
    for (const o of context.knownOrganizations ?? []) orgParts.add(o.split(/\s+/)[0]!);

    let i = 0;
    while (i < toks.length) {
      const t = toks[i]!;
      if (!t.isWord || !(t.cap || t.upper)) {
        i++;
        continue;
      }
      const { items, next } = this.collectRun(toks, i);
      this.classifyRun(toks, items, out, pending);
      i = next;
    }

    // Parts of names found in this text (or earlier in the request) name the same entity when alone.
    for (const c of out) {
      const words = text.slice(c.start, c.end).split(/[\s,]+/);
      if (c.type === 'PERSON' && words.length >= 2) for (const w of words) if (w.length > 1) personParts.add(w);
      if (c.type === 'ORGANIZATION' && words.length >= 2) orgParts.add(words[0]!);
    }
    for (const { w, idx } of pending) {
      const bare = w.text;
      const lower = w.lower;
      if (personParts.has(bare) && !this.isCommon(lower)) {
        out.push({ start: w.start, end: w.end, type: 'PERSON', score: 0.7 });
      } else if (orgParts.has(bare) && !this.isCommon(lower)) {
        out.push({ start: w.start, end: w.end, type: 'ORGANIZATION', score: 0.6 });
      } else if (w.unknown && !w.upper && this.personCue(toks, idx)) {
        out.push({ start: w.start, end: w.end, type: 'PERSON', score: 0.6 });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------- tokens

  private tokenize(text: string): Word[] {
    const words: Word[] = [];
    TOKEN_RE.lastIndex = 0;
    let prevEnd = 0;
    let nextNewline = text.indexOf('\n');
    for (let m = TOKEN_RE.exec(text); m !== null; m = TOKEN_RE.exec(text)) {
      let raw = m[0];
      const start = m.index;
      const isWord = m[1] !== undefined;
      let possessive = false;
      const last = raw.charCodeAt(raw.length - 1);
      if (isWord && (last === 115 || last === 83) && raw.length > 2 && /['’]$/.test(raw[raw.length - 2]!)) {
        raw = raw.slice(0, -2);
        possessive = true;
      }
      let newline = false;
      if (nextNewline !== -1 && nextNewline < start) {
        newline = nextNewline >= prevEnd;
        nextNewline = text.indexOf('\n', start);
      }
      prevEnd = start + m[0].length;
      words.push(this.makeWord(raw, start, isWord, possessive, newline));
    }
    return words;
  }

  private makeWord(text: string, start: number, isWord: boolean, possessive: boolean, nl: boolean): Word {
    const c = text.charCodeAt(0);
    const cap = isWord && (c < 128 ? c >= 65 && c <= 90 : text[0] !== text[0]!.toLowerCase());
    const lower = !cap ? text : text.includes('’') ? text.toLowerCase().replace(/’/g, "'") : text.toLowerCase();
    const upper = cap && text.length > 1 && text === text.toUpperCase();
    let bits = 0;
    if (isWord && !cap) {
      // lower-case words never start a run: only the legal-form test is needed ("Severn Water plc")
      bits = text.length <= 4 && LEGAL_FORMS.has(lower) ? F.legal | F.strongOrg | F.orgWord : F.closed;
    } else if (isWord) {
      const { features } = this.res;
      bits = features.get(lower) ?? 0;
      if (lower.includes('.')) bits |= (features.get(lower.replace(/\./g, '')) ?? 0) & (F.legal | F.strongOrg | F.orgWord);
      if (lower.includes("'") && /^\p{L}+'(?:m|re|ve|ll|d|t)$/u.test(lower)) bits |= F.closed;
      const isName = (bits & (F.first | F.last | F.person)) !== 0;
      if (!isName) {
        if (this.isCommon(lower)) bits |= F.common;
        else if ((bits & (F.place | F.orgLex | F.honorific | F.orgWord)) === 0) bits |= F.unknown;
      }
    }
    return new Word(start, start + text.length, text, lower, isWord, cap, upper, possessive, nl, bits);
  }

  private isCommon(lower: string): boolean {
    const { features, dictionary } = this.res;
    const check = (p: string): boolean => {
      const bits = features.get(p);
      if (bits !== undefined && (bits & F.inLexicon) !== 0) return (bits & F.commonLex) !== 0;
      return dictionary.has(p);
    };
    if (check(lower)) return true;
    return lower.includes('-') && lower.split('-').every(check);
  }

  // --------------------------------------------------------------------------------------- runs

  /**
   * A run: capitalised words on one line, joined by single spaces, name particles, "of", "&"/"and",
   * initials, abbreviation periods and ", Inc."-style suffixes. Returns word indices (connectors are
   * included as negative markers via `conn`).
   */
  private collectRun(toks: Word[], i: number): { items: RunItem[]; next: number } {
    const items: RunItem[] = [{ w: toks[i]!, idx: i, conn: false }];
    let j = i + 1;
    const capAt = (k: number) => {
      const t = toks[k];
      return !!t?.isWord && (t.cap || t.upper) && !t.newlineBefore;
    };
    for (;;) {
      const last = items[items.length - 1]!.w;
      if (last.possessive) break;
      const t = toks[j];
      if (t === undefined || t.newlineBefore) break;
      // abbreviation / initial period glued to the previous word
      if (t.text === '.' && t.start === last.end && !items[items.length - 1]!.conn) {
        const isInitial = last.text.length === 1 && last.cap;
        if (isInitial || last.honorific || ORG_ABBREVIATIONS.has(last.lower) || ['jr', 'sr', 'st'].includes(last.lower)) {
          last.end = t.end;
          j++;
          if (!isInitial && !last.honorific && !capAt(j)) break;
          continue;
        }
        break;
      }
      if (t.isWord && (t.cap || t.upper)) {
        items.push({ w: t, idx: j, conn: false });
        j++;
        continue;
      }
      // lower-case legal form after a name: "Severn Valley Water plc"
      if (t.isWord && t.legal && t.text.length <= 4 && t.text === t.lower) {
        items.push({ w: t, idx: j, conn: false });
        j++;
        break;
      }
      if ((PARTICLES.has(t.text) || t.text === 'of' || t.text === 'and' || t.text === '&') && capAt(j + 1)) {
        items.push({ w: t, idx: j, conn: true });
        j++;
        continue;
      }
      if (t.text === 'of' && toks[j + 1]?.text === 'the' && capAt(j + 2)) {
        items.push({ w: t, idx: j, conn: true }, { w: toks[j + 1]!, idx: j + 1, conn: true });
        j += 2;
        continue;
      }
      // "Acme, Inc." / "Acme Widgets, LLC"
      const after = toks[j + 1];
      if (t.text === ',' && after?.isWord && after.legal && !after.newlineBefore && after.cap) {
        items.push({ w: t, idx: j, conn: true });
        j++;
        continue;
      }
      break;
    }
    // never end on a connector
    while (items.length > 0 && items[items.length - 1]!.conn) {
      items.pop();
      j--;
    }
    return { items, next: j };
  }

  private classifyRun(toks: Word[], items: RunItem[], out: Candidate[], pending: Pending[]): void {
    if (items.length === 0) return;

    // 1. multi-word lexicon entries (known organisations, places, people)
    for (let a = 0; a < items.length - 1; a++) {
      if (items[a]!.conn || !this.res.phraseStarts.has(items[a]!.w.lower)) continue;
      for (let b = Math.min(items.length, a + 4); b > a + 1; b--) {
        if (items[b - 1]!.conn) continue;
        const phrase = items
          .slice(a, b)
          .map((it) => it.w.lower)
          .join(' ')
          .replace(/\.$/, '');
        const kind = this.res.phrases.get(phrase);
        if (kind === undefined) continue;
        if (kind === 'o') this.emit(out, 'ORGANIZATION', items[a]!.w.start, items[b - 1]!.w.end, 0.85);
        else if (kind === 'n') this.emit(out, 'PERSON', items[a]!.w.start, items[b - 1]!.w.end, 0.85);
        // Places and recognised entities split the run.
        this.classifyRun(toks, items.slice(0, a), out, pending);
        this.classifyRun(toks, items.slice(b), out, pending);
        return;
      }
    }

    // 2. organisations: a run ending in (or headed by "X of") an organisation word
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      if (it.conn || !it.w.orgWord) continue;
      const headOf = items[k + 1]?.conn && items[k + 1]!.w.text === 'of';
      const hasBefore = items.slice(0, k).some((x) => !x.conn);
      if (!hasBefore && !headOf) continue;
      // start: walk back over name-ish words and joining connectors
      let s = k;
      while (s > 0) {
        const prev = items[s - 1]!;
        if (prev.conn) {
          // "Baxter & Partners", "Bank of the West" — but not "Foo Ltd and Bar Inc."
          const before = items[s - 2];
          const joins = ['&', 'and', 'of', 'the'].includes(prev.w.text);
          if (joins && before !== undefined && (before.conn || !before.w.legal)) {
            s--;
            continue;
          }
          break;
        }
        if (prev.w.closed || prev.w.honorific || GREETINGS.has(prev.w.lower)) break;
        if (prev.w.verb && this.sentenceStart(toks, prev.idx)) break;
        s--;
      }
      while (s < k && items[s]!.conn) s++;
      // end: through following organisation words, ", Inc."-style suffixes and "of <Name>"
      let e = k;
      while (e + 1 < items.length) {
        const nx = items[e + 1]!;
        if (!nx.conn && nx.w.orgWord) e++;
        else if (nx.conn && nx.w.text === ',' && items[e + 2]?.w.legal) e += 2;
        else if (nx.conn && (nx.w.text === 'of' || nx.w.text === 'the' || nx.w.text === '&')) {
          let f = e + 1;
          while (f < items.length && items[f]!.conn) f++;
          if (f < items.length && !items[f]!.w.closed) {
            e = f;
          } else break;
        } else if (!nx.conn && e === k && headOf === false && !nx.w.first) {
          break;
        } else break;
      }
      const span = items.slice(s, e + 1).filter((x) => !x.conn);
      const strong = span.some((x) => x.w.strongOrg) || span.some((x) => !x.w.orgWord && (x.w.unknown || x.w.last || x.w.first));
      const distinctive = span.some((x) => !x.w.orgWord && !x.w.common);
      if (span.length >= 2 && (strong || distinctive)) {
        this.emit(out, 'ORGANIZATION', items[s]!.w.start, items[e]!.w.end, strong ? 0.8 : 0.6);
        this.classifyRun(toks, items.slice(0, s), out, pending);
        this.classifyRun(toks, items.slice(e + 1), out, pending);
        return;
      }
    }

    // 3. people: split at "and"/"&"/"of" connectors, then look for names
    const groups: RunItem[][] = [[]];
    for (const it of items) {
      if (it.conn && !PARTICLES.has(it.w.text)) groups.push([]);
      else groups[groups.length - 1]!.push(it);
    }
    for (const g of groups) this.classifyPersonGroup(toks, g, out, pending);
  }

  private classifyPersonGroup(toks: Word[], g: RunItem[], out: Candidate[], pending: Pending[]): void {
    while (g.length > 0 && g[g.length - 1]!.conn) g = g.slice(0, -1);
    if (g.length === 0) return;
    // honorific / title: what follows is a name, whatever the lexicon says
    const h = g.findIndex((it) => !it.conn && it.w.honorific);
    if (h >= 0 && h + 1 < g.length) {
      const rest = g.slice(h + 1);
      const stop = rest.findIndex((it) => !it.conn && (it.w.orgWord || it.w.place || it.w.closed));
      const nameItems = stop >= 0 ? rest.slice(0, stop) : rest;
      if (nameItems.length > 0 && !nameItems.every((x) => x.w.honorific)) {
        const names = nameItems.filter((x) => !x.w.honorific);
        this.emit(out, 'PERSON', names[0]!.w.start, names[names.length - 1]!.w.end, 0.85);
        if (stop >= 0) this.classifyPersonGroup(toks, rest.slice(stop), out, pending);
        return;
      }
    }
    // trim leading words that cannot start a name (sentence openers, common words, places)
    let a = 0;
    while (a < g.length && (g[a]!.conn || !this.canStartName(g[a]!.w))) a++;
    if (a >= g.length) {
      this.singleOrg(toks, g, out);
      return;
    }
    const name: RunItem[] = [g[a]!];
    for (let k = a + 1; k < g.length; k++) {
      const it = g[k]!;
      const prev = name[name.length - 1]!;
      if (it.conn) {
        name.push(it);
        continue;
      }
      const w = it.w;
      const ok =
        w.first ||
        w.last ||
        w.personLex ||
        w.unknown ||
        (w.text.length <= 2 && w.cap) ||
        ((w.common || w.place) && !w.closed && !w.orgWord && (prev.w.first || (prev.w.text.length <= 2 && prev.w.cap)));
      if (!ok) break;
      name.push(it);
    }
    while (name.length > 0 && name[name.length - 1]!.conn) name.pop();
    const nameWords = name.filter((x) => !x.conn);
    const first = nameWords[0]!.w;
    const idx = nameWords[0]!.idx;
    if (nameWords.length >= 2) {
      const evidence = nameWords.some((x) => x.w.first || x.w.last || x.w.personLex);
      const allUnknown = nameWords.every((x) => x.w.unknown || (x.w.text.length <= 2 && x.w.cap));
      const allUpper = nameWords.every((x) => x.w.upper);
      if ((evidence || allUnknown) && !(allUpper && !evidence)) {
        this.emit(out, 'PERSON', first.start, nameWords[nameWords.length - 1]!.w.end, evidence ? 0.85 : 0.65);
      }
    } else if (first.upper) {
      // single all-caps word: an acronym, not a name
    } else if ((first.first || first.personLex || first.last) && !this.imperative(toks, idx)) {
      this.emit(out, 'PERSON', first.start, first.end, 0.7);
    } else if (first.orgLex && !first.legal) {
      this.emit(out, 'ORGANIZATION', first.start, first.end, 0.7);
    } else if (first.unknown) {
      pending.push({ w: first, idx });
    }
    // anything after the name in the same group
    const after = g.slice(g.indexOf(name[name.length - 1]!) + 1);
    if (after.length > 0) this.classifyPersonGroup(toks, after, out, pending);
  }

  private singleOrg(_toks: Word[], g: RunItem[], out: Candidate[]): void {
    for (const it of g) {
      if (!it.conn && it.w.orgLex && !it.w.legal && !it.w.upper) {
        this.emit(out, 'ORGANIZATION', it.w.start, it.w.end, 0.6);
      }
    }
  }

  private canStartName(w: Word): boolean {
    if (w.closed || w.verb || w.honorific || w.place || GREETINGS.has(w.lower)) return false;
    if (w.first || w.last || w.personLex) return true;
    if (w.text.length === 1) return false;
    return w.unknown || w.orgLex;
  }

  /** "Mark the box", "Grant access": a sentence-initial first name used as a verb. */
  private imperative(toks: Word[], idx: number): boolean {
    const next = toks[idx + 1];
    if (!this.sentenceStart(toks, idx)) return false;
    return !!next?.isWord && IMPERATIVE_OBJECTS.has(next.lower);
  }

  private sentenceStart(toks: Word[], idx: number): boolean {
    let k = idx - 1;
    while (k >= 0 && ['"', '“', '‘', "'", '(', '['].includes(toks[k]!.text)) k--;
    if (k < 0 || toks[k + 1]!.newlineBefore) return true;
    return ['.', '!', '?', ':', ';', '-', '•', '*', '>'].includes(toks[k]!.text);
  }

  /** Context that marks a lone unknown capitalised word as a person. */
  private personCue(toks: Word[], idx: number): boolean {
    const w = toks[idx]!;
    let k = idx - 1;
    while (k >= 0 && [',', ':', '-'].includes(toks[k]!.text)) k--;
    const prev = toks[k];
    if (prev?.isWord && GREETINGS.has(prev.lower)) return true;
    // "From: X" header lines and sign-offs alone on their line
    const lineStart = (() => {
      let s = idx;
      while (s > 0 && !toks[s]!.newlineBefore) s--;
      return s;
    })();
    const first = toks[lineStart]!;
    if (first.isWord && HEADER_LABELS.has(first.lower) && toks[lineStart + 1]?.text === ':') return true;
    const next = toks[idx + 1];
    const aloneOnLine =
      (idx === lineStart || (idx === lineStart + 1 && toks[lineStart]!.text === '-')) &&
      (next === undefined || next.newlineBefore || (next.text === ',' && toks[idx + 2]?.newlineBefore !== false));
    if (aloneOnLine && idx > 0) return true;
    if (next?.isWord && PERSON_VERBS.has(next.lower) && !w.possessive) return true;
    if (next?.text === ',' && toks[idx + 2]?.isWord && ['who', 'our', 'the', 'my', 'your'].includes(toks[idx + 2]!.lower))
      return true;
    return false;
  }

  private emit(out: Candidate[], type: Kind, start: number, end: number, score: number): void {
    if (end > start) out.push({ start, end, type, score });
  }
}

interface RunItem {
  w: Word;
  idx: number;
  conn: boolean;
}
interface Pending {
  w: Word;
  idx: number;
}
