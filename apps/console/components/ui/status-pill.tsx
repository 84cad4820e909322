import type { ReactNode } from "react";

export type PillTone = "running" | "failed" | "stopped" | "warn" | "up" | "down" | "unknown";

/** A colored dot and a word: the one way state is shown everywhere. */
export function StatusPill({ tone, children, testId, title }: { tone: PillTone; children: ReactNode; testId?: string; title?: string }) {
  return (
    <span className={`pill pill-${tone}`} data-testid={testId} data-tone={tone} title={title}>
      {children}
    </span>
  );
}
