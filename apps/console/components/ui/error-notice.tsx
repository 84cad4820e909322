import type { ReactNode } from "react";

/** A failure, said plainly, with an optional way out (retry, log in again...). */
export function ErrorNotice({
  title,
  message,
  action,
  testId = "error-notice",
}: {
  title?: string;
  message: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="notice notice-error" role="alert" data-testid={testId}>
      <div className="notice-body">
        {title ? <div className="notice-title">{title}</div> : null}
        <div>{message}</div>
      </div>
      {action}
    </div>
  );
}

export function Notice({
  tone,
  children,
  testId,
}: {
  tone: "info" | "success" | "warn";
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className={`notice notice-${tone}`} role="status" data-testid={testId}>
      <div className="notice-body">{children}</div>
    </div>
  );
}
