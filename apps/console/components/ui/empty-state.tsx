import type { ReactNode } from "react";

/** What to show where a list has nothing yet: what is missing and what to do about it. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty-state" data-testid={testId}>
      <div className="empty-state-title">{title}</div>
      {children ? <div>{children}</div> : null}
    </div>
  );
}
