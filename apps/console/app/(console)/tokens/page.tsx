import type { Metadata } from "next";
import { PasswordForm } from "../../../components/account/password-form";
import { TokensPanel } from "../../../components/admin/tokens-panel";
import { listTokens } from "../../../lib/server/auth/api-tokens";
import { requireUser } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Your API tokens" };
export const dynamic = "force-dynamic";

// Every user's own tokens, for scripts and the `sysward` CLI, and their own password. A token acts as its owner, so a
// viewer's token reads and nothing more. Admins manage everyone's on Users & tokens.
export default async function TokensPage() {
  const me = await requireUser();
  const tokens = listTokens(me.id);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Your API tokens</h1>
          <p className="muted">
            Tokens for scripts and the <code>sysward</code> CLI. Each acts as you ({me.role}
            {me.role === "viewer" ? ": it can read, not change anything" : ""}).
          </p>
        </div>
      </div>
      <TokensPanel tokens={tokens} />
      <PasswordForm />
    </>
  );
}
