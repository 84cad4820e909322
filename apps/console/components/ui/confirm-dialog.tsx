"use client";

import { useEffect, useRef, type ReactNode } from "react";
import { Button } from "./button";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/** A modal question before anything destructive. The native <dialog> gives focus trapping and Esc. */
export function ConfirmDialog({ open, title, children, confirmLabel, danger, busy, onConfirm, onCancel }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      data-testid="confirm-dialog"
      aria-labelledby="confirm-dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {open ? (
        <>
          <div className="dialog-body">
            <h2 id="confirm-dialog-title">{title}</h2>
            <div className="muted">{children}</div>
          </div>
          <div className="dialog-actions">
            <Button onClick={onCancel} disabled={busy} data-testid="confirm-cancel">
              Cancel
            </Button>
            <Button variant={danger ? "danger" : "primary"} onClick={onConfirm} disabled={busy} data-testid="confirm-ok" autoFocus>
              {busy ? "Working…" : confirmLabel}
            </Button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
