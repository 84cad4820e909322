import "server-only";
// ntfy: a POST of the text to the topic's URL, with Title, Priority, Tags and Click headers (and
// an access token as Bearer when the channel has one).
import { postToReceiver } from "./http-post";
import { noticeText, noticeTitle, type Notice } from "./notice";

export interface NtfyConfig {
  type: "ntfy";
  url: string;
  /** An ntfy access token. */
  secret?: string;
}

export function ntfyHeaders(n: Notice): Record<string, string> {
  const a = n.alert;
  const priority = a.status === "resolved" ? "default" : a.severity === "critical" ? "urgent" : "high";
  const tags = a.status === "resolved" ? "white_check_mark" : a.severity === "critical" ? "rotating_light" : "warning";
  // Header values are Latin-1: anything else in a name is replaced, not refused.
  const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, "?");
  return { title: latin1(noticeTitle(n)), priority, tags: `${tags},sysward`, click: a.url };
}

export async function sendNtfy(c: NtfyConfig, n: Notice, signal?: AbortSignal): Promise<number> {
  const headers: Record<string, string> = { ...ntfyHeaders(n), "content-type": "text/plain; charset=utf-8", "user-agent": "sysward-console" };
  if (c.secret) headers.authorization = `Bearer ${c.secret}`;
  return postToReceiver(c.url, noticeText(n), headers, signal);
}
