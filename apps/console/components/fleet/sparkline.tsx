/** A tiny CPU trend as one SVG path: no axes, fixed 0–100 % scale so cards compare at a glance.
 *  Plain SVG, not a chart library: a page of cards redraws every second. */
export function Sparkline({ values, testId }: { values: readonly number[]; testId?: string }) {
  const w = 300;
  const h = 44;
  const n = values.length;
  const x = (i: number) => (n <= 1 ? w : (i / (n - 1)) * w);
  const y = (v: number) => h - 2 - (Math.min(100, Math.max(0, v)) / 100) * (h - 4);
  const line = values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  return (
    <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" width="100%" height={h} data-testid={testId} data-points={n} aria-hidden>
      {n > 1 ? (
        <>
          <path d={`${line}L${w},${h}L0,${h}Z`} fill="var(--accent-soft)" stroke="none" />
          <path d={line} fill="none" stroke="var(--chart-1)" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
        </>
      ) : null}
    </svg>
  );
}
