"use client";

import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { formatDateTime } from "../../lib/client/format";
import { usePolling } from "../../lib/client/use-polling";
import type { Silence } from "../../lib/shared/alert-types";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { ErrorNotice } from "../ui/error-notice";
import { PanelForm, TextField, usePanelAction } from "./panel-form";

/** Mutes: a rule, a service, machines by selector — until a time, with who and why. */
export function SilencesPanel() {
  const admin = useIsAdmin();
  const polled = usePolling(() => callJson<{ silences: Silence[] }>("GET", "/api/alerts/silences").then((r) => r.silences), 5000, []);
  const [rule, setRule] = useState("");
  const [service, setService] = useState("");
  const [selector, setSelector] = useState("");
  const [minutes, setMinutes] = useState("60");
  const [reason, setReason] = useState("");
  const { busy, error, act } = usePanelAction(polled.refresh);
  const create = (e: FormEvent) => {
    e.preventDefault();
    return act(async () => {
      await callJson("POST", "/api/alerts/silences", { rule, service, selector, minutes: Number(minutes), reason });
      setReason("");
    });
  };
  const now = Date.now();
  const silences = polled.data ?? [];
  return (
    <section className="card" data-testid="silences-panel">
      <div className="card-header">
        <div>
          <h2>Silences</h2>
          <p className="muted">While a silence covers an alert nothing is sent for it; still firing when the silence ends, it is sent then.</p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="silences-error" /> : null}
        {silences.length === 0 ? (
          <EmptyState title="No silences" testId="silences-empty" />
        ) : (
          <DataTable columns={["Mutes", "Until", "By", "Why"]} actions={admin} testId="silences-table">
            {silences.map((s) => {
              const active = s.endedAt === null && s.endsAt > now;
              return (
                <tr key={s.id} data-testid={`silence-row-${s.id}`} data-active={active}>
                  <td className="stack-head">{[s.ruleId && `rule ${s.ruleId}`, s.service && `service ${s.service}`, s.selector && `machines ${s.selector}`].filter(Boolean).join(", ")}</td>
                  <td className="nowrap" data-label="Until">
                    {formatDateTime(s.endedAt ?? s.endsAt, true)}
                    {active ? "" : " (ended)"}
                  </td>
                  <td data-label="By">{s.createdBy}</td>
                  <td data-label="Why">{s.reason}</td>
                  {admin ? (
                    <td className="num stack-actions">
                      {active ? (
                        <Button size="sm" variant="ghost" disabled={busy} onClick={asyncHandler(() => act(() => callJson("DELETE", `/api/alerts/silences/${s.id}`)))} data-testid={`silence-end-${s.id}`}>
                          End now
                        </Button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </DataTable>
        )}
        {admin ? (
          <PanelForm onSubmit={create} testId="silence-create-form">
            <TextField id="silence-rule" label="Rule" placeholder="machine-down" value={rule} onChange={setRule} />
            <TextField id="silence-service" label="Service" value={service} onChange={setService} />
            <TextField id="silence-selector" label="Machines (selector)" placeholder="env=prod" value={selector} onChange={setSelector} />
            <TextField id="silence-minutes" label="Minutes" type="number" value={minutes} onChange={setMinutes} required />
            <TextField id="silence-reason" label="Why" value={reason} onChange={setReason} required grow />
            <Button type="submit" variant="primary" disabled={busy} data-testid="silence-create">
              Silence
            </Button>
          </PanelForm>
        ) : null}
      </div>
    </section>
  );
}
