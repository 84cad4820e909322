import Link from "next/link";
import type { ReactNode } from "react";
import { AlertsNavBadge } from "../../components/alerts/alert-badge";
import { LogoutButton } from "../../components/auth/logout-button";
import { UserProvider } from "../../components/session/user-context";
import { NavLink } from "../../components/ui/nav-link";
import { requireUser } from "../../lib/server/auth/current-user";

export const dynamic = "force-dynamic";

// Every page in this group needs a signed-in user; the real session check runs here (proxy.ts
// only looks for the cookie). Client components get the user for hiding controls only.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const admin = user.role === "admin";
  return (
    <UserProvider user={user}>
      <header className="app-header">
        <div className="app-header-inner">
          <Link href="/" className="brand" data-testid="nav-home">
            <span className="brand-mark" aria-hidden>
              S
            </span>
            Sysward
          </Link>
          <nav className="app-nav" aria-label="Main">
            <NavLink href="/" testId="nav-fleet">
              Fleet
            </NavLink>
            <NavLink href="/services" testId="nav-services">
              Services
            </NavLink>
            <NavLink href="/rollouts" testId="nav-rollouts">
              Rollouts
            </NavLink>
            <NavLink href="/alerts" testId="nav-alerts">
              Alerts
              <AlertsNavBadge />
            </NavLink>
            {admin ? (
              <>
                <NavLink href="/audit" testId="nav-audit">
                  Audit log
                </NavLink>
                <NavLink href="/users" testId="nav-users">
                  Users &amp; tokens
                </NavLink>
              </>
            ) : (
              <NavLink href="/tokens" testId="nav-tokens">
                API tokens
              </NavLink>
            )}
          </nav>
          <div className="app-user">
            <span className="app-user-name" data-testid="current-user">
              {user.username}
            </span>
            <span className={`badge${admin ? " badge-accent" : ""}`} data-testid="current-role">
              {user.role}
            </span>
            <LogoutButton />
          </div>
        </div>
      </header>
      <main className="app-main">{children}</main>
    </UserProvider>
  );
}
