import "server-only";
// /api/alerts/silences: list (anyone signed in); create and end early (admins), with who and why.
import type { NextRequest } from "next/server";
import { readJson } from "../read-json";
import { alertChange, alertRead, pathId } from "./alert-http";
import { createSilence, endSilence, listSilences, NewSilenceSchema } from "./silences";

export function handleListSilences(req: NextRequest): Promise<Response> {
  return alertRead(req, () => ({ silences: listSilences(Date.now()) }));
}

export function handleCreateSilence(req: NextRequest): Promise<Response> {
  return alertChange(req, { action: "alert.silence.create", target: "silence", status: 201 }, async (auth) => {
    const silence = createSilence(await readJson(req, NewSilenceSchema), auth.user.username);
    const what = [silence.ruleId && `rule ${silence.ruleId}`, silence.service && `service ${silence.service}`, silence.selector && `machines ${silence.selector}`].filter(Boolean).join(", ");
    return { body: { silence }, detail: `${what} until ${new Date(silence.endsAt).toISOString()}: ${silence.reason}` };
  });
}

export function handleEndSilence(req: NextRequest, rawId: string): Promise<Response> {
  return alertChange(req, { action: "alert.silence.end", target: `silence ${rawId.slice(0, 40)}` }, () => ({ body: { silence: endSilence(pathId(rawId, "silence")) } }));
}
