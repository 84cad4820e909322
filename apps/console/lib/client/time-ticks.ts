// Round-number ticks for a time axis (every 30 s, 10 min, 6 h...), aligned to the viewer's local
// clock so labels read 14:00, 14:10 rather than 14:03:17.
const STEPS_MS = [
  10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000,
];

export function timeTicks(start: number, end: number, maxTicks = 6): number[] {
  if (!(end > start) || maxTicks < 1) return [];
  const span = end - start;
  const step = STEPS_MS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 86_400_000) * 86_400_000;
  // Align in local time: shift by the zone offset, round, shift back.
  const offset = new Date(start).getTimezoneOffset() * 60_000;
  let t = Math.ceil((start - offset) / step) * step + offset;
  const ticks: number[] = [];
  while (t <= end) {
    ticks.push(t);
    t += step;
  }
  return ticks;
}
