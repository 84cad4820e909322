import "server-only";
// Webhook channel: the payload of Prometheus Alertmanager's webhook (version 4), so receivers
// written for Alertmanager take it as is; with a secret, X-Sysward-Signature carries
// "sha256=" + the hex HMAC-SHA256 of the exact body under that secret.
import { createHmac } from "node:crypto";
import { postToReceiver } from "./http-post";
import type { Notice } from "./notice";

export interface WebhookConfig {
  type: "webhook";
  url: string;
  secret?: string;
}

export const SIGNATURE_HEADER = "x-sysward-signature";

/** Alertmanager's "zero" time: what endsAt says while an alert still fires. */
const NOT_ENDED = "0001-01-01T00:00:00Z";

export function alertmanagerPayload(n: Notice): Record<string, unknown> {
  const a = n.alert;
  const labels: Record<string, string> = {
    ...Object.fromEntries(Object.entries(a.machineLabels).map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]/g, "_"), v])),
    alertname: a.ruleId,
    severity: a.severity,
    machine: a.agentId,
    machine_name: a.machineName,
    ...(a.service ? { service: a.service } : {}),
  };
  const groupLabels = { alertname: a.ruleId };
  return {
    version: "4",
    groupKey: `{}:{alertname="${a.ruleId}"}`,
    truncatedAlerts: 0,
    status: a.status,
    receiver: n.receiver,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: { summary: a.summary },
    externalURL: n.externalUrl,
    alerts: [
      {
        status: a.status,
        labels,
        annotations: { summary: a.summary, url: a.url, ...(n.test ? { test: "true" } : {}) },
        startsAt: new Date(a.startsAt).toISOString(),
        endsAt: a.endsAt ? new Date(a.endsAt).toISOString() : NOT_ENDED,
        generatorURL: a.url,
        fingerprint: a.fingerprint,
      },
    ],
  };
}

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function sendWebhook(c: WebhookConfig, n: Notice, signal?: AbortSignal): Promise<number> {
  const body = JSON.stringify(alertmanagerPayload(n));
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "sysward-console" };
  if (c.secret) headers[SIGNATURE_HEADER] = webhookSignature(c.secret, body);
  return postToReceiver(c.url, body, headers, signal);
}
