"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { Button } from "../ui/button";

/** The busy flag and error every alerts panel's actions share; `refresh` reloads the panel's list after a success. */
export function usePanelAction(refresh: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function act(work: () => Promise<unknown>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await work();
      refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, act };
}

/** A panel's add form: one row of fields under its list. */
export function PanelForm({ onSubmit, testId, children }: { onSubmit: (e: FormEvent) => Promise<void>; testId: string; children: ReactNode }) {
  return (
    <form onSubmit={asyncHandler(onSubmit)} className="row" style={{ alignItems: "flex-end", flexWrap: "wrap", borderTop: "1px solid var(--border)", paddingTop: "var(--space-4)" }} data-testid={testId}>
      {children}
    </form>
  );
}

export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  required?: boolean;
  type?: "text" | "password" | "number";
  grow?: boolean;
}

/** A labelled input whose test id is its id. */
export function TextField({ id, label, value, onChange, placeholder, required, type = "text", grow }: TextFieldProps) {
  return (
    <div className="field" style={grow ? { flex: "1 1 240px" } : undefined}>
      <label htmlFor={id}>{label}</label>
      <input id={id} className="input" type={type} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} required={required} autoComplete="off" data-testid={id} />
    </div>
  );
}

/** A row's red Delete. */
export function DeleteButton({ onDelete, disabled, testId }: { onDelete: () => Promise<void>; disabled: boolean; testId: string }) {
  return (
    <Button size="sm" variant="ghost" style={{ color: "var(--red)" }} disabled={disabled} onClick={asyncHandler(onDelete)} data-testid={testId}>
      Delete
    </Button>
  );
}
