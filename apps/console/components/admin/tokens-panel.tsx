"use client";

import { useState, type FormEvent } from "react";
import { callJson } from "../../lib/client/json-api";
import type { ApiTokenSummary } from "../../lib/shared/types";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { useAdminAction } from "./use-admin-action";
import { DataTable } from "../ui/data-table";
import { asyncHandler } from "../../lib/client/async-handler";

export function TokensPanel({ tokens }: { tokens: ApiTokenSummary[] }) {
  const { busy, error, setError, run } = useAdminAction();
  const [name, setName] = useState("");
  const [lifetime, setLifetime] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiTokenSummary | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const body = await callJson<{ token: string }>("POST", "/api/tokens", { name: name.trim(), ...(lifetime ? { expiresInDays: Number(lifetime) } : {}) });
      setCreated({ name: name.trim(), token: body.token });
      setCopied(false);
      setName("");
    });
  }

  async function revoke() {
    if (!revoking) return;
    const token = revoking;
    await run(() => callJson("DELETE", `/api/tokens/${token.id}`));
    setRevoking(null);
  }

  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      setError("Copying failed (the clipboard needs HTTPS or localhost); select the token and copy it by hand.");
    }
  }

  return (
    <section className="card" data-testid="tokens-panel">
      <div className="card-header">
        <div>
          <h2>API tokens</h2>
          <p className="muted">
            For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as the user who created it.
          </p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="tokens-error" /> : null}
        {created ? (
          <Notice tone="success" testId="token-created">
            <div className="notice-title">Token “{created.name}” created. Copy it now: it is not shown again.</div>
            <div className="row" style={{ marginTop: 6 }}>
              <code data-testid="token-value" style={{ overflowWrap: "anywhere", userSelect: "all", background: "var(--surface)", padding: "4px 8px", borderRadius: 4 }}>
                {created.token}
              </code>
              <Button size="sm" onClick={asyncHandler(copy)} data-testid="token-copy">
                {copied ? "Copied" : "Copy"}
              </Button>
            </div>
          </Notice>
        ) : null}
        {tokens.length === 0 ? (
          <EmptyState title="No API tokens" testId="tokens-empty">
            Create one below for a script or a metrics scraper.
          </EmptyState>
        ) : (
          <DataTable columns={["Name", "Owner", "Token", "Created", "Last used", "Expires"]} actions testId="tokens-table">
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-row-${t.id}`}>
                <td className="stack-head">
                  <strong>{t.name}</strong>
                </td>
                <td data-label="Owner">{t.username}</td>
                <td className="mono" data-label="Token">
                  {t.prefix}…
                </td>
                <td className="nowrap" data-label="Created">
                  <LocalTime iso={t.createdAt} />
                </td>
                <td className="nowrap" data-label="Last used">
                  {t.lastUsedAt ? <LocalTime iso={t.lastUsedAt} /> : <span className="muted">never</span>}
                </td>
                <td className="nowrap" data-label="Expires" data-testid={`token-expires-${t.id}`}>
                  {t.expiresAt ? <LocalTime iso={t.expiresAt} /> : <span className="muted">when revoked</span>}
                </td>
                <td className="num stack-actions">
                  <Button size="sm" variant="ghost" style={{ color: "var(--red)" }} onClick={() => setRevoking(t)} data-testid={`token-delete-${t.id}`}>
                    Revoke
                  </Button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <form onSubmit={asyncHandler(create)} className="row" style={{ alignItems: "flex-end", borderTop: "1px solid var(--border)", paddingTop: "var(--space-4)" }} data-testid="token-create-form">
          <div className="field" style={{ flex: "1 1 240px" }}>
            <label htmlFor="token-name">New token name</label>
            <input id="token-name" className="input" placeholder="e.g. deploy script" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="off" data-testid="token-new-name" />
          </div>
          <div className="field">
            <label htmlFor="token-lifetime">Expires</label>
            <select id="token-lifetime" className="input" value={lifetime} onChange={(e) => setLifetime(e.target.value)} data-testid="token-lifetime">
              <option value="">when revoked</option>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
            </select>
          </div>
          <Button type="submit" variant="primary" disabled={busy || !name.trim()} data-testid="token-create">
            Create token
          </Button>
        </form>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        danger
        busy={busy}
        onConfirm={asyncHandler(revoke)}
        onCancel={() => setRevoking(null)}
      >
        Scripts using this token get 401 from now on.
      </ConfirmDialog>
    </section>
  );
}
