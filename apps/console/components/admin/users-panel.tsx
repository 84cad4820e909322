"use client";

import { useState, type FormEvent } from "react";
import { callJson } from "../../lib/client/json-api";
import type { Role, UserSummary } from "../../lib/shared/types";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { useAdminAction } from "./use-admin-action";
import { DataTable } from "../ui/data-table";
import { asyncHandler } from "../../lib/client/async-handler";

export function UsersPanel({ users, currentUserId, usernameRule, passwordMin }: { users: UserSummary[]; currentUserId: number; usernameRule: string; passwordMin: number }) {
  const { busy, error, setError, run } = useAdminAction();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [done, setDone] = useState<string | null>(null);
  const [removing, setRemoving] = useState<UserSummary | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (password.length < passwordMin) {
      setError(`Passwords need at least ${passwordMin} characters.`);
      return;
    }
    await run(async () => {
      await callJson("POST", "/api/users", { username: username.trim(), password, role });
      setDone(`User ${username.trim()} created as ${role}.`);
      setUsername("");
      setPassword("");
    });
  }

  async function remove() {
    if (!removing) return;
    const user = removing;
    setDone(null);
    await run(async () => {
      await callJson("DELETE", `/api/users/${user.id}`);
      setDone(`User ${user.username} deleted; their sessions and tokens no longer work.`);
    });
    setRemoving(null);
  }

  return (
    <section className="card" data-testid="users-panel">
      <div className="card-header">
        <div>
          <h2>Users</h2>
          <p className="muted">Admins install, remove, start and stop services and manage users; viewers only look.</p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="users-error" /> : null}
        {done ? (
          <Notice tone="success" testId="users-result">
            {done}
          </Notice>
        ) : null}
        {users.length === 0 ? (
          <EmptyState title="No users" />
        ) : (
          <DataTable columns={["Username", "Role", "Created"]} actions testId="users-table">
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username}`}>
                <td className="stack-head">
                  <strong>{u.username}</strong>
                  {u.id === currentUserId ? <span className="muted"> (you)</span> : null}
                </td>
                <td data-label="Role">
                  <span className={`badge${u.role === "admin" ? " badge-accent" : ""}`}>{u.role}</span>
                </td>
                <td className="nowrap" data-label="Created">
                  <LocalTime iso={u.createdAt} />
                </td>
                <td className="num stack-actions">
                  {u.id !== currentUserId ? (
                    <Button size="sm" variant="ghost" style={{ color: "var(--red)" }} onClick={() => setRemoving(u)} data-testid={`user-delete-${u.username}`}>
                      Delete
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <form onSubmit={asyncHandler(create)} className="stack" style={{ borderTop: "1px solid var(--border)", paddingTop: "var(--space-4)" }} data-testid="user-create-form">
          <h3>Add a user</h3>
          <div className="row" style={{ alignItems: "flex-start" }}>
            <div className="field" style={{ flex: "1 1 180px" }}>
              <label htmlFor="new-username">Username</label>
              <input id="new-username" className="input" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" data-testid="user-new-username" />
              <div className="field-hint">{usernameRule}</div>
            </div>
            <div className="field" style={{ flex: "1 1 180px" }}>
              <label htmlFor="new-password">Password</label>
              <input id="new-password" className="input" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-testid="user-new-password" />
              <div className="field-hint">at least {passwordMin} characters</div>
            </div>
            <div className="field" style={{ flex: "0 1 140px" }}>
              <label htmlFor="new-role">Role</label>
              <select id="new-role" className="select" value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="user-new-role">
                <option value="viewer">viewer</option>
                <option value="admin">admin</option>
              </select>
            </div>
          </div>
          <div>
            <Button type="submit" variant="primary" disabled={busy || !username.trim() || !password} data-testid="user-create">
              Add user
            </Button>
          </div>
        </form>
      </div>
      <ConfirmDialog
        open={removing !== null}
        title={`Delete ${removing?.username ?? ""}?`}
        confirmLabel="Delete user"
        danger
        busy={busy}
        onConfirm={asyncHandler(remove)}
        onCancel={() => setRemoving(null)}
      >
        They are signed out everywhere and their API tokens stop working. The audit log keeps their name.
      </ConfirmDialog>
    </section>
  );
}
