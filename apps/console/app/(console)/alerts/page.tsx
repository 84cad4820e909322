import type { Metadata } from "next";
import { AlertsList } from "../../../components/alerts/alerts-list";
import { ChannelsPanel } from "../../../components/alerts/channels-panel";
import { RulesPanel } from "../../../components/alerts/rules-panel";
import { SilencesPanel } from "../../../components/alerts/silences-panel";
import { requireUser } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Alerts" };
export const dynamic = "force-dynamic";

export default async function AlertsPage() {
  await requireUser();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Alerts</h1>
          <p className="muted">What the console&rsquo;s rules found, with or without anyone watching: firing, pending, silenced, and the history. Every notification links back here.</p>
        </div>
      </div>
      <div className="stack">
        <AlertsList />
        <ChannelsPanel />
        <SilencesPanel />
        <RulesPanel />
      </div>
    </>
  );
}
