// Round axis ticks (0, 1, 2, 3… / 0, 500 MiB, 1 GiB…) instead of recharts' even splits of the
// data's maximum, which print as 879 KiB, 1.72 MiB, 2.57 MiB.

/** 0 to at least `max` in `count` or fewer steps of 1, 2 or 5 × 10^k. */
export function niceTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const t = round(i * step);
    ticks.push(t);
    if (t >= max) break;
  }
  return ticks;
}

/** The same in whole binary units: the unit is the largest of KiB, MiB, GiB… that fits `max`. */
export function niceByteTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1024];
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(max) / Math.log(1024)));
  return niceTicks(max / unit, count).map((t) => t * unit);
}

function round(n: number): number {
  return Number(n.toPrecision(12));
}
