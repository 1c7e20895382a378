/** Scoring helpers for the anonymization benchmark: exact-span precision / recall per entity type. */
import type { EntityType, Span } from '../src/anonymization/types.js';
import type { LabelledText } from '../test/anonymization/labelled.js';

export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  /** gold spans whose characters were all covered by some detected span (of any type): nothing leaked */
  covered: number;
  gold: number;
}

export type Scores = Map<EntityType, TypeScore>;

export interface Miss {
  kind: 'fn' | 'fp';
  type: EntityType;
  value: string;
  context: string;
}

export function score(
  set: readonly LabelledText[],
  detect: (text: string) => Span[],
  types: readonly EntityType[],
  misses?: Miss[],
): Scores {
  const scores: Scores = new Map(types.map((t) => [t, { tp: 0, fp: 0, fn: 0, covered: 0, gold: 0 }]));
  for (const { text, spans: gold } of set) {
    const pred = detect(text).filter((s) => scores.has(s.type));
    const key = (s: { start: number; end: number; type: string }) => `${s.start}:${s.end}:${s.type}`;
    const predKeys = new Set(pred.map(key));
    const goldKeys = new Set(gold.map(key));
    const ctx = (s: { start: number; end: number }) =>
      text.slice(Math.max(0, s.start - 25), Math.min(text.length, s.end + 25)).replace(/\n/g, '⏎');
    for (const g of gold) {
      const sc = scores.get(g.type);
      if (sc === undefined) continue;
      sc.gold++;
      if (predKeys.has(key(g))) sc.tp++;
      else {
        sc.fn++;
        misses?.push({ kind: 'fn', type: g.type, value: g.value, context: ctx(g) });
      }
      let covered = true;
      for (let i = g.start; i < g.end && covered; i++) {
        if (/\s/.test(text[i]!)) continue;
        covered = pred.some((p) => p.start <= i && i < p.end);
      }
      if (covered) sc.covered++;
    }
    for (const p of pred) {
      if (goldKeys.has(key(p))) continue;
      scores.get(p.type)!.fp++;
      misses?.push({ kind: 'fp', type: p.type, value: text.slice(p.start, p.end), context: ctx(p) });
    }
  }
  return scores;
}

const ratio = (a: number, b: number): string => (b === 0 ? '  —  ' : (a / b).toFixed(3));

export function precision(s: TypeScore): number {
  return s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp);
}
export function recall(s: TypeScore): number {
  return s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn);
}

export function formatScores(title: string, scores: Scores, targets?: (t: EntityType) => [number, number]): string {
  const rows = [
    `${title}`,
    `  ${'type'.padEnd(14)} ${'gold'.padStart(5)} ${'tp'.padStart(4)} ${'fp'.padStart(4)} ${'fn'.padStart(4)}  precision  recall  no-leak  target(P/R)`,
  ];
  const total: TypeScore = { tp: 0, fp: 0, fn: 0, covered: 0, gold: 0 };
  for (const [type, s] of scores) {
    total.tp += s.tp;
    total.fp += s.fp;
    total.fn += s.fn;
    total.covered += s.covered;
    total.gold += s.gold;
    const target = targets?.(type);
    const ok = target === undefined ? '' : precision(s) >= target[0] && recall(s) >= target[1] ? 'met' : 'MISSED';
    rows.push(
      `  ${type.padEnd(14)} ${String(s.gold).padStart(5)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}  ${ratio(s.tp, s.tp + s.fp).padStart(9)}  ${ratio(s.tp, s.tp + s.fn).padStart(6)}  ${ratio(s.covered, s.gold).padStart(7)}  ${target ? `${target[0]}/${target[1]} ${ok}` : ''}`,
    );
  }
  rows.push(
    `  ${'ALL'.padEnd(14)} ${String(total.gold).padStart(5)} ${String(total.tp).padStart(4)} ${String(total.fp).padStart(4)} ${String(total.fn).padStart(4)}  ${ratio(total.tp, total.tp + total.fp).padStart(9)}  ${ratio(total.tp, total.tp + total.fn).padStart(6)}  ${ratio(total.covered, total.gold).padStart(7)}`,
  );
  return rows.join('\n');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
