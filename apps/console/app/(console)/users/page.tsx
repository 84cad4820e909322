import type { Metadata } from "next";
import { ConsoleCertificatePanel, type ConsoleCertificateFacts } from "../../../components/admin/console-certificate-panel";
import { TokensPanel } from "../../../components/admin/tokens-panel";
import { UsersPanel } from "../../../components/admin/users-panel";
import { listTokens } from "../../../lib/server/auth/api-tokens";
import { requireAdmin } from "../../../lib/server/auth/current-user";
import { PASSWORD_MIN_LENGTH } from "../../../lib/server/auth/passwords";
import { USERNAME_RULE, listUsers } from "../../../lib/server/auth/users";
import { consoleClientCertificate, ensureConsoleCa } from "../../../lib/server/pki/console-ca";

/** The CA and client certificate, or why they cannot be shown (an unreadable or damaged ca.key, say). */
async function certificateFacts(): Promise<{ facts: ConsoleCertificateFacts | null; unavailable?: string }> {
  try {
    const ca = await ensureConsoleCa();
    return { facts: { caSha256: ca.caSha256, clientCertificate: await consoleClientCertificate() } };
  } catch (err) {
    return { facts: null, unavailable: `The console's certificate authority is not available: ${(err as Error).message}` };
  }
}

export const metadata: Metadata = { title: "Users & tokens" };
export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const me = await requireAdmin();
  const users = listUsers();
  const tokens = listTokens();
  const certificate = await certificateFacts();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Users &amp; tokens</h1>
          <p className="muted">Who can sign in to this console, the tokens scripts use, and the certificate it shows remote machines.</p>
        </div>
      </div>
      <UsersPanel users={users} currentUserId={me.id} usernameRule={USERNAME_RULE} passwordMin={PASSWORD_MIN_LENGTH} />
      <TokensPanel tokens={tokens} />
      <ConsoleCertificatePanel facts={certificate.facts} unavailable={certificate.unavailable} />
    </>
  );
}
