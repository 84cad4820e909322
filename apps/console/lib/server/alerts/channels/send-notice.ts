import "server-only";
// One notice to one channel, by the channel's type. Resolves with the receiver's status (HTTP or
// SMTP code); throws DeliveryError when it did not take it.
import type { ChannelConfig } from "./channel-store";
import { sendEmail } from "./email";
import type { Notice } from "./notice";
import { sendNtfy } from "./ntfy";
import { sendSlack } from "./slack";
import { sendWebhook } from "./webhook";

export function sendNotice(config: ChannelConfig, notice: Notice, signal?: AbortSignal): Promise<number> {
  switch (config.type) {
    case "webhook":
      return sendWebhook(config, notice, signal);
    case "slack":
      return sendSlack(config, notice, signal);
    case "ntfy":
      return sendNtfy(config, notice, signal);
    case "email":
      return sendEmail(config, notice);
  }
}
