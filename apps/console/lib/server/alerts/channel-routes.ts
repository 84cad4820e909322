import "server-only";
// /api/alerts/channels: list (anyone signed in), create and delete (admins), and Send test
// (admins): one notice sent now, answered with what the receiver said.
import type { NextRequest } from "next/server";
import { readJson } from "../read-json";
import { alertChange, alertRead, pathId } from "./alert-http";
import { testNotice } from "./alert-notice";
import { AlertNotFoundError } from "./alert-errors";
import { channelForSending, createChannel, deleteChannel, listChannels, NewChannelSchema } from "./channels/channel-store";
import { DeliveryError } from "./channels/delivery-error";
import { sendNotice } from "./channels/send-notice";

export function handleListChannels(req: NextRequest): Promise<Response> {
  return alertRead(req, () => ({ channels: listChannels() }));
}

export function handleCreateChannel(req: NextRequest): Promise<Response> {
  return alertChange(req, { action: "alert.channel.create", target: "channel", status: 201 }, async (auth) => {
    const input = await readJson(req, NewChannelSchema);
    const channel = createChannel(input, auth.user.username);
    return { body: { channel }, detail: `${channel.type} ${channel.name}: ${channel.summary}` };
  });
}

export function handleDeleteChannel(req: NextRequest, rawId: string): Promise<Response> {
  return alertChange(req, { action: "alert.channel.delete", target: `channel ${rawId.slice(0, 40)}` }, () => {
    const channel = deleteChannel(pathId(rawId, "alert channel"));
    return { body: { deleted: channel }, detail: channel.name };
  });
}

export function handleTestChannel(req: NextRequest, rawId: string): Promise<Response> {
  return alertChange(req, { action: "alert.channel.test", target: `channel ${rawId.slice(0, 40)}` }, async () => {
    const id = pathId(rawId, "alert channel");
    const target = channelForSending(id);
    if (!target) throw new AlertNotFoundError(`no alert channel ${id}`);
    const started = Date.now();
    try {
      const statusCode = await sendNotice(target.config, testNotice(target.channel.name, started));
      return { body: { ok: true, statusCode, durationMs: Date.now() - started }, detail: `delivered (${statusCode})` };
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      // The receiver's refusal is the answer, not a failure of this request.
      return { body: { ok: false, statusCode: err.statusCode, error: err.message, durationMs: Date.now() - started }, detail: `not delivered: ${err.message}` };
    }
  });
}
