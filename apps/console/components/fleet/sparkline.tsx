"use client";

import { Area, AreaChart, YAxis } from "recharts";

export interface SparkPoint {
  t: number;
  v: number;
}

/** A tiny CPU trend: no axes, no tooltip, fixed 0–100 % scale so cards compare at a glance. */
export function Sparkline({ points, testId }: { points: SparkPoint[]; testId?: string }) {
  return (
    <div style={{ height: 44, width: "100%" }} data-testid={testId} data-points={points.length} aria-hidden>
      {points.length > 1 ? (
        <AreaChart responsive data={points} style={{ width: "100%", height: 44 }} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
          <YAxis hide domain={[0, 100]} />
          <Area
            type="monotone"
            dataKey="v"
            stroke="var(--chart-1)"
            strokeWidth={1.5}
            fill="var(--accent-soft)"
            fillOpacity={1}
            dot={false}
            isAnimationActive={false}
          />
        </AreaChart>
      ) : null}
    </div>
  );
}
