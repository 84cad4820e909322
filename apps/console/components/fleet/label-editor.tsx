"use client";

import { formatLabels, parseLabelEdits } from "@sysward/contract";
import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";
import { LabelChips } from "./label-chips";
import styles from "./labels.module.css";

/** A machine's labels on its page; admins edit them as words: `env=prod role=web`. */
export function LabelEditor({ agentId, initial }: { agentId: string; initial: Record<string, string> }) {
  const admin = useIsAdmin();
  const [labels, setLabels] = useState(initial);
  const [text, setText] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (text === null) return;
    setError(null);
    let edits;
    try {
      edits = parseLabelEdits(text.split(/\s+/).filter(Boolean));
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    // The words are the whole set: a label left out is removed.
    const remove = [...new Set([...edits.remove, ...Object.keys(labels).filter((k) => !(k in edits.set))])];
    setBusy(true);
    try {
      const res = await callJson<{ labels: Record<string, string> }>("PATCH", `/api/agents/${encodeURIComponent(agentId)}/labels`, { set: edits.set, remove });
      setLabels(res.labels);
      setText(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (text !== null) {
    return (
      <form className={styles.editor} onSubmit={asyncHandler(save)} data-testid="label-editor">
        <input
          className="input mono"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="env=prod role=web"
          aria-label="Labels, as key=value words"
          autoFocus
          data-testid="label-editor-input"
        />
        <Button type="submit" variant="primary" size="sm" disabled={busy} data-testid="label-editor-save">
          Save labels
        </Button>
        <Button size="sm" onClick={() => setText(null)} disabled={busy}>
          Cancel
        </Button>
        {error ? <ErrorNotice message={error} testId="label-editor-error" /> : null}
      </form>
    );
  }
  return (
    <div className={styles.editor}>
      <LabelChips labels={labels} testId="agent-labels" />
      {Object.keys(labels).length === 0 ? <span className="muted">No labels</span> : null}
      {admin ? (
        <Button size="sm" variant="ghost" onClick={() => setText(formatLabels(labels).replace(/,/g, " "))} data-testid="label-edit">
          Edit labels
        </Button>
      ) : null}
    </div>
  );
}
