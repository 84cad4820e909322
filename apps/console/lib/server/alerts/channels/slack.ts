import "server-only";
// Slack-compatible incoming webhook: {"text": …} with Slack's <url|label> link syntax, which
// Slack, Mattermost and Discord's /slack endpoint all accept.
import { postToReceiver } from "./http-post";
import { noticeTitle, type Notice } from "./notice";

export interface SlackConfig {
  type: "slack";
  url: string;
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackPayload(n: Notice): { text: string } {
  const a = n.alert;
  const icon = a.status === "resolved" ? ":white_check_mark:" : a.severity === "critical" ? ":rotating_light:" : ":warning:";
  const where = a.service ? `${a.service} on ${a.machineName}` : a.machineName;
  return { text: `${icon} *${escape(noticeTitle(n))}*\n${escape(a.summary)}\n<${a.url}|${escape(where)}>` };
}

export async function sendSlack(c: SlackConfig, n: Notice, signal?: AbortSignal): Promise<number> {
  return postToReceiver(c.url, JSON.stringify(slackPayload(n)), { "content-type": "application/json", "user-agent": "sysward-console" }, signal);
}
