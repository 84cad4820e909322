"use client";

import { PERF_RANGES, type RangeId } from "../../lib/client/perf-ranges";

export function RangePicker({ value, onChange }: { value: RangeId; onChange(id: RangeId): void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {PERF_RANGES.map((r) => (
        <button key={r.id} type="button" aria-pressed={value === r.id} onClick={() => onChange(r.id)} data-testid={`range-${r.id}`} title={r.live ? "Live, one point per sample" : `History of the last ${r.label}`}>
          {r.live ? `${r.label} · live` : r.label}
        </button>
      ))}
    </div>
  );
}
