"use client";

import { useEffect, useState, type FormEvent } from "react";
import { callJson } from "../../lib/client/json-api";
import { useAdminAction } from "../admin/use-admin-action";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";
import styles from "./add-machine.module.css";

type Answer = { confirm: { host: string; hostKey: { keyType: string; fingerprint: string } } } | { agent: { id: string } };

/** Adding a machine whose agent runs already, by SSH: the console's key to authorize, then its host key to confirm. */
export function AddBySsh({ onAdded }: { onAdded(): void }) {
  const { busy, error, run } = useAdminAction();
  const [publicKey, setPublicKey] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [ssh, setSsh] = useState("");
  const [dataDir, setDataDir] = useState("");
  const [confirm, setConfirm] = useState<Extract<Answer, { confirm: unknown }>["confirm"] | null>(null);

  useEffect(() => {
    callJson<{ publicKey: string }>("GET", "/api/ssh/key").then((r) => setPublicKey(r.publicKey), () => setPublicKey(null));
  }, []);

  async function submit(e: FormEvent, hostKeyFingerprint?: string) {
    e.preventDefault();
    await run(async () => {
      const answer = await callJson<Answer>("POST", "/api/ssh/machines", { name: name.trim(), ssh: ssh.trim(), ...(dataDir.trim() ? { dataDir: dataDir.trim() } : {}), hostKeyFingerprint });
      if ("confirm" in answer) setConfirm(answer.confirm);
      else onAdded();
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="stack" data-testid="add-by-ssh">
      <h3>Or by SSH, if its agent runs already</h3>
      <p className="muted">Put the console&apos;s key in the agent user&apos;s ~/.ssh/authorized_keys:</p>
      <pre className={`${styles.command} mono`} data-testid="console-ssh-key">{publicKey ?? "…"}</pre>
      {error ? <ErrorNotice message={error} testId="add-by-ssh-error" /> : null}
      <div className={styles.fields}>
        <div className="field">
          <label htmlFor="ssh-name">Name</label>
          <input id="ssh-name" className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoComplete="off" data-testid="ssh-name" />
        </div>
        <div className="field">
          <label htmlFor="ssh-address">SSH address</label>
          <input id="ssh-address" className="input mono" value={ssh} onChange={(e) => { setSsh(e.target.value); setConfirm(null); }} placeholder="sw@10.0.0.5:22" maxLength={300} required autoComplete="off" spellCheck={false} data-testid="ssh-address" />
        </div>
        <div className="field">
          <label htmlFor="ssh-data-dir">Agent data dir (optional)</label>
          <input id="ssh-data-dir" className="input mono" value={dataDir} onChange={(e) => setDataDir(e.target.value)} placeholder="~/.local/share/sysward" maxLength={1000} autoComplete="off" spellCheck={false} data-testid="ssh-data-dir" />
          <div className="field-hint">Where that user&apos;s agent keeps agent.sock and agent.token, if not the default (the user&apos;s ~/.local/share/sysward; for root, /var/lib/sysward when that is absent).</div>
        </div>
      </div>
      {confirm ? (
        <p data-testid="ssh-host-key">
          {confirm.host} presents {confirm.hostKey.keyType} <code>{confirm.hostKey.fingerprint}</code>. Check it on the machine
          (<code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>) before trusting it.
        </p>
      ) : null}
      <div className={styles.actions}>
        {confirm ? (
          <Button variant="primary" disabled={busy} onClick={(e) => void submit(e, confirm.hostKey.fingerprint)} data-testid="ssh-trust">
            Trust this key and add
          </Button>
        ) : (
          <Button type="submit" variant="primary" disabled={busy || !name.trim() || !ssh.trim()} data-testid="ssh-connect">
            {busy ? "Connecting…" : "Connect"}
          </Button>
        )}
      </div>
    </form>
  );
}
