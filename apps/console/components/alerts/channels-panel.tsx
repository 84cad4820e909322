"use client";

import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { usePolling } from "../../lib/client/use-polling";
import type { AlertChannel, ChannelType } from "../../lib/shared/alert-types";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { DeleteButton, PanelForm, TextField, usePanelAction } from "./panel-form";

const URL_HINT: Record<ChannelType, string> = {
  webhook: "https://receiver.example.com/alerts",
  slack: "https://hooks.slack.com/services/…",
  ntfy: "https://ntfy.sh/my-topic",
  email: "smtp://user:password@mail.example.com:587",
};

/** Where alerts go: every channel gets the built-in rules' alerts unless a rule names its own. */
export function ChannelsPanel() {
  const admin = useIsAdmin();
  const polled = usePolling(() => callJson<{ channels: AlertChannel[] }>("GET", "/api/alerts/channels").then((r) => r.channels), 0, []);
  const [type, setType] = useState<ChannelType>("webhook");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [result, setResult] = useState<{ id: number; ok: boolean; text: string } | null>(null);
  const { busy, error, act } = usePanelAction(polled.refresh);

  const create = (e: FormEvent) => {
    e.preventDefault();
    return act(async () => {
      const body = type === "email" ? { type, name, url, from, to: to.split(",").map((s) => s.trim()).filter(Boolean) } : type === "slack" ? { type, name, url } : { type, name, url, ...(secret ? { secret } : {}) };
      await callJson("POST", "/api/alerts/channels", body);
      setName("");
      setUrl("");
      setSecret("");
    });
  };
  const test = (c: AlertChannel) =>
    act(async () => {
      const r = await callJson<{ ok: boolean; statusCode: number | null; error?: string }>("POST", `/api/alerts/channels/${c.id}/test`);
      setResult({ id: c.id, ok: r.ok, text: r.ok ? `Delivered to ${c.name} (${r.statusCode}).` : `Not delivered to ${c.name}: ${r.error}` });
    });
  const remove = (c: AlertChannel) => act(() => callJson("DELETE", `/api/alerts/channels/${c.id}`));

  const channels = polled.data ?? [];
  return (
    <section className="card" data-testid="channels-panel">
      <div className="card-header">
        <div>
          <h2>Channels</h2>
          <p className="muted">Webhook (Alertmanager format), Slack-compatible, ntfy or email. Every channel gets every alert unless a rule names its channels.</p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="channels-error" /> : null}
        {result ? (
          <Notice tone={result.ok ? "success" : "warn"} testId="channel-test-result">
            {result.text}
          </Notice>
        ) : null}
        {channels.length === 0 ? (
          <EmptyState title="No channels" testId="channels-empty">
            Alerts are shown here and on the fleet pages, but sent nowhere until a channel is added.
          </EmptyState>
        ) : (
          <DataTable columns={["Name", "Type", "Sends to"]} actions={admin} testId="channels-table">
            {channels.map((c) => (
              <tr key={c.id} data-testid={`channel-row-${c.name}`}>
                <td className="stack-head">
                  <strong>{c.name}</strong>
                </td>
                <td data-label="Type">{c.type}</td>
                <td className="mono" data-label="Sends to">
                  {c.summary}
                </td>
                {admin ? (
                  <td className="num stack-actions nowrap">
                    <Button size="sm" disabled={busy} onClick={asyncHandler(() => test(c))} data-testid={`channel-test-${c.name}`}>
                      Send test
                    </Button>{" "}
                    <DeleteButton onDelete={() => remove(c)} disabled={busy} testId={`channel-delete-${c.name}`} />
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        )}
        {admin ? (
          <PanelForm onSubmit={create} testId="channel-create-form">
            <div className="field">
              <label htmlFor="channel-type">Type</label>
              <select id="channel-type" className="input" value={type} onChange={(e) => setType(e.target.value as ChannelType)} data-testid="channel-type">
                <option value="webhook">Webhook</option>
                <option value="slack">Slack-compatible</option>
                <option value="ntfy">ntfy</option>
                <option value="email">Email</option>
              </select>
            </div>
            <TextField id="channel-name" label="Name" value={name} onChange={setName} required />
            <TextField id="channel-url" label="URL" placeholder={URL_HINT[type]} value={url} onChange={setUrl} required grow />
            {type === "webhook" || type === "ntfy" ? <TextField id="channel-secret" label={type === "webhook" ? "HMAC secret (optional)" : "Access token (optional)"} type="password" value={secret} onChange={setSecret} /> : null}
            {type === "email" ? (
              <>
                <TextField id="channel-from" label="From" value={from} onChange={setFrom} required />
                <TextField id="channel-to" label="To (comma-separated)" value={to} onChange={setTo} required />
              </>
            ) : null}
            <Button type="submit" variant="primary" disabled={busy} data-testid="channel-create">
              Add channel
            </Button>
          </PanelForm>
        ) : null}
      </div>
    </section>
  );
}
