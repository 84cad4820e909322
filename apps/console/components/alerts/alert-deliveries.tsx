"use client";

import { callJson } from "../../lib/client/json-api";
import { formatDateTime } from "../../lib/client/format";
import { usePolling } from "../../lib/client/use-polling";
import type { AlertNotification } from "../../lib/shared/alert-types";

/** What was sent for one alert: per channel, firing or resolved, how many attempts and how it ended. */
export function AlertDeliveries({ alertId }: { alertId: number }) {
  const polled = usePolling(() => callJson<{ notifications: AlertNotification[] }>("GET", `/api/alerts?alert=${alertId}&limit=1`).then((r) => r.notifications), 3000, [alertId]);
  const list = polled.data ?? [];
  if (polled.loading) return <div className="muted">Loading…</div>;
  if (list.length === 0) return <div className="muted" data-testid={`alert-deliveries-${alertId}`}>Nothing sent (pending, silenced, or no channel).</div>;
  return (
    <ul className="stack" style={{ margin: 0, paddingLeft: 18 }} data-testid={`alert-deliveries-${alertId}`}>
      {list.map((n) => (
        <li key={n.id} data-testid={`alert-delivery-${n.id}`} data-delivered={n.deliveredAt !== null}>
          {n.status} to <strong>{n.channelName}</strong>: {n.deliveredAt ? `delivered ${formatDateTime(n.deliveredAt, true)}` : n.givenUpAt ? `given up ${formatDateTime(n.givenUpAt, true)}` : "waiting to be sent"}
          {` · ${n.attempts} attempt${n.attempts === 1 ? "" : "s"}`}
          {n.lastError && !n.deliveredAt ? <span className="muted"> · {n.lastError}</span> : null}
        </li>
      ))}
    </ul>
  );
}
