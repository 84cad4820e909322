import type { Metadata } from "next";
import { TokensPanel } from "../../../components/admin/tokens-panel";
import { UsersPanel } from "../../../components/admin/users-panel";
import { listTokens } from "../../../lib/server/auth/api-tokens";
import { requireAdmin } from "../../../lib/server/auth/current-user";
import { PASSWORD_MIN_LENGTH } from "../../../lib/server/auth/passwords";
import { USERNAME_RULE, listUsers } from "../../../lib/server/auth/users";

export const metadata: Metadata = { title: "Users & tokens" };
export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const me = await requireAdmin();
  const users = listUsers();
  const tokens = listTokens();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Users &amp; tokens</h1>
          <p className="muted">Who can sign in to this console, and the tokens scripts use.</p>
        </div>
      </div>
      <UsersPanel users={users} currentUserId={me.id} usernameRule={USERNAME_RULE} passwordMin={PASSWORD_MIN_LENGTH} />
      <TokensPanel tokens={tokens} />
    </>
  );
}
