import "server-only";
// Channels in alert_channels. What a channel needs to send (its URL, which for Slack and ntfy is
// itself the secret, an HMAC secret, SMTP credentials) is stored sealed, like agents' tokens
// (lib/server/secrets/secret-box.ts); the list shows only where it sends, without secrets.
import { z } from "zod";
import type { AlertChannel, ChannelType } from "../../../shared/alert-types";
import { getDb } from "../../db/database";
import { seal, unseal } from "../../secrets/secret-box";
import { AlertConflictError, AlertNotFoundError } from "../alert-errors";
import type { EmailConfig } from "./email";
import type { NtfyConfig } from "./ntfy";
import type { SlackConfig } from "./slack";
import type { WebhookConfig } from "./webhook";

export type ChannelConfig = WebhookConfig | SlackConfig | NtfyConfig | EmailConfig;

const name = z.string().trim().min(1).max(64);
const httpUrl = z
  .string()
  .max(2000)
  .refine((s) => /^https?:$/.test(safeUrl(s)?.protocol ?? ""), "must be an http:// or https:// URL");
const secret = z.string().min(1).max(500).optional();
const address = z.string().trim().min(3).max(320).regex(/^[^\s@<>]+@[^\s@<>]+$/, "must be an email address like ops@example.com");

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

export const NewChannelSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("webhook"), name, url: httpUrl, secret }).strict(),
  z.object({ type: z.literal("slack"), name, url: httpUrl }).strict(),
  z.object({ type: z.literal("ntfy"), name, url: httpUrl, secret }).strict(),
  z
    .object({
      type: z.literal("email"),
      name,
      url: z
        .string()
        .max(2000)
        .refine((s) => /^smtps?:$/.test(safeUrl(s)?.protocol ?? "") && !!safeUrl(s)?.hostname, "must be smtp://[user:password@]host[:port] (STARTTLS) or smtps://… (TLS)"),
      from: address,
      to: z.union([address, z.array(address).min(1).max(50)]),
      ca: z.string().max(20_000).regex(/-----BEGIN CERTIFICATE-----/, "must be a PEM certificate (-----BEGIN CERTIFICATE-----…)").optional(),
    })
    .strict(),
]);
export type NewChannel = z.infer<typeof NewChannelSchema>;

interface Row {
  id: number;
  type: ChannelType;
  name: string;
  config: string;
  summary: string;
  created_by: string | null;
  created_at: number;
}

const toChannel = (r: Row): AlertChannel => ({ id: r.id, type: r.type, name: r.name, summary: r.summary, createdAt: r.created_at, createdBy: r.created_by });

/** Where it sends, for people: the host and path start, never a secret or a full Slack URL. */
function summaryOf(c: NewChannel): string {
  const u = new URL(c.url);
  if (c.type === "email") return `${(Array.isArray(c.to) ? c.to : [c.to]).join(", ")} via ${u.protocol}//${u.host}`;
  return `${u.protocol}//${u.host}${u.pathname.length > 1 ? "/…" : "/"}${c.type === "webhook" && c.secret ? " (signed)" : ""}`;
}

function configOf(c: NewChannel): ChannelConfig {
  switch (c.type) {
    case "webhook":
      return { type: "webhook", url: c.url, secret: c.secret };
    case "slack":
      return { type: "slack", url: c.url };
    case "ntfy":
      return { type: "ntfy", url: c.url, secret: c.secret };
    case "email":
      return { type: "email", url: c.url, from: c.from, to: Array.isArray(c.to) ? c.to : [c.to], ca: c.ca };
  }
}

export function createChannel(c: NewChannel, createdBy: string | null, now = Date.now()): AlertChannel {
  try {
    const r = getDb()
      .prepare("INSERT INTO alert_channels (type, name, config, summary, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(c.type, c.name, seal(JSON.stringify(configOf(c))), summaryOf(c), createdBy, now);
    return getChannel(Number(r.lastInsertRowid))!;
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new AlertConflictError(`a channel named ${JSON.stringify(c.name)} exists already`);
    throw err;
  }
}

export function listChannels(): AlertChannel[] {
  return (getDb().prepare("SELECT * FROM alert_channels ORDER BY name").all() as Row[]).map(toChannel);
}

export function getChannel(id: number): AlertChannel | null {
  const row = getDb().prepare("SELECT * FROM alert_channels WHERE id = ?").get(id) as Row | undefined;
  return row ? toChannel(row) : null;
}

/** The channel and what it needs to send (unsealed: for sending only, never for an answer). */
export function channelForSending(id: number): { channel: AlertChannel; config: ChannelConfig } | null {
  const row = getDb().prepare("SELECT * FROM alert_channels WHERE id = ?").get(id) as Row | undefined;
  return row ? { channel: toChannel(row), config: JSON.parse(unseal(row.config)) as ChannelConfig } : null;
}

/** Its queued notifications go with it. */
export function deleteChannel(id: number): AlertChannel {
  const c = getChannel(id);
  if (!c) throw new AlertNotFoundError(`no alert channel ${id}`);
  getDb().prepare("DELETE FROM alert_channels WHERE id = ?").run(id);
  return c;
}
