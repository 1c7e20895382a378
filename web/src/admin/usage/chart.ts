/** Geometry of the usage chart: tokens as bars, cost as a line, one slot per day. Pure, so it is tested. */
export interface DayPoint {
  day: string;
  tokens: number;
  cost: number | null;
}

export interface ChartGeometry {
  width: number;
  height: number;
  bars: { day: string; x: number; y: number; width: number; height: number; tokens: number }[];
  /** The SVG path of the cost line through the days that have a cost; empty when none has. */
  costPath: string;
  costDots: { day: string; x: number; y: number; cost: number }[];
  maxTokens: number;
  maxCost: number;
}

export function usageChart(points: readonly DayPoint[], width = 640, height = 200, pad = 24): ChartGeometry {
  const maxTokens = Math.max(0, ...points.map((p) => p.tokens));
  const maxCost = Math.max(0, ...points.map((p) => p.cost ?? 0));
  const slot = points.length > 0 ? (width - 2 * pad) / points.length : 0;
  const plotHeight = height - 2 * pad;
  const yTokens = (t: number) => (maxTokens > 0 ? (t / maxTokens) * plotHeight : 0);
  const yCost = (c: number) => height - pad - (maxCost > 0 ? (c / maxCost) * plotHeight : 0);
  const round = (n: number) => Math.round(n * 10) / 10;
  const bars = points.map((p, i) => {
    const h = yTokens(p.tokens);
    return {
      day: p.day,
      x: round(pad + i * slot + slot * 0.15),
      y: round(height - pad - h),
      width: round(slot * 0.7),
      height: round(h),
      tokens: p.tokens,
    };
  });
  const costDots = points.flatMap((p, i) =>
    p.cost === null ? [] : [{ day: p.day, x: round(pad + i * slot + slot / 2), y: round(yCost(p.cost)), cost: p.cost }],
  );
  const costPath = costDots.map((d, i) => `${i === 0 ? 'M' : 'L'}${d.x} ${d.y}`).join(' ');
  return { width, height, bars, costPath, costDots, maxTokens, maxCost };
}
