import "server-only";
// Email over SMTP with nodemailer. The channel's URL says how: smtp://host:587 upgrades with
// STARTTLS when the server offers it (?starttls=required refuses a server that does not),
// smtps://host:465 is TLS from the first byte; user:password in the URL logs in. The server's
// certificate is checked against the system's CAs, or the channel's own `ca` (a private relay).
import nodemailer from "nodemailer";
import { DeliveryError } from "./delivery-error";
import { noticeText, noticeTitle, type Notice } from "./notice";

export interface EmailConfig {
  type: "email";
  url: string;
  from: string;
  to: string[];
  /** PEM: the CA (or self-signed certificate) the SMTP server's certificate must chain to. */
  ca?: string;
}

const TIMEOUT_MS = 10_000;

export function smtpOptions(url: string, ca?: string): nodemailer.TransportOptions & Record<string, unknown> {
  const u = new URL(url);
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: u.searchParams.get("starttls") === "required",
    ignoreTLS: u.searchParams.get("starttls") === "never",
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    tls: ca ? { ca } : undefined,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export async function sendEmail(c: EmailConfig, n: Notice): Promise<number> {
  const transport = nodemailer.createTransport(smtpOptions(c.url, c.ca));
  const a = n.alert;
  try {
    const info = await transport.sendMail({
      from: c.from,
      to: c.to,
      subject: noticeTitle(n),
      text: noticeText(n),
      html: `<p><strong>${escapeHtml(a.summary)}</strong></p><p>Since ${new Date(a.startsAt).toISOString()}${a.endsAt ? `, resolved ${new Date(a.endsAt).toISOString()}` : ""}</p><p><a href="${escapeHtml(a.url)}">${escapeHtml(a.url)}</a></p>`,
      headers: { "X-Sysward-Alert": a.fingerprint, "X-Sysward-Status": a.status },
    });
    const code = Number(/^(\d{3})/.exec(String(info.response))?.[1] ?? 250);
    return code;
  } catch (err) {
    const e = err as { responseCode?: number; message?: string; code?: string };
    throw new DeliveryError(`SMTP ${new URL(c.url).host}: ${e.message ?? e.code ?? String(err)}`, e.responseCode ?? null);
  } finally {
    transport.close();
  }
}
