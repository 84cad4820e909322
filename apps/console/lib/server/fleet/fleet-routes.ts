import "server-only";
// GET /api/fleet/services and GET /api/fleet/events (any signed-in user): the fleet monitor's
// services of every machine, and the recorded changes. Read from memory and the DB: no agent is
// asked anything.
import type { NextRequest } from "next/server";
import { fleetServices, SERVICE_STATE_FILTERS } from "../../shared/fleet-filter";
import { authorize } from "../auth/authorize";
import { errorResponse, HttpError } from "../http-errors";
import { getFleetMonitor } from "./fleet";
import { listFleetEvents } from "./fleet-events";
import { choiceParam, selectorParam } from "./fleet-query";

const NO_STORE = { "cache-control": "no-store" };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function handleFleetServices(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  try {
    const url = req.nextUrl;
    const filter = {
      selector: selectorParam(url),
      state: choiceParam(url, "state", SERVICE_STATE_FILTERS),
      name: url.searchParams.get("name") ?? undefined,
      version: url.searchParams.get("version") ?? undefined,
    };
    const monitor = getFleetMonitor();
    await monitor.settled(2000);
    const services = fleetServices(monitor.list(), filter).map((s) => ({ ...s, since: iso(s.since) }));
    return Response.json({ services }, { headers: NO_STORE });
  } catch (err) {
    return errorResponse(err);
  }
}

export function handleFleetEvents(req: NextRequest): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  try {
    const url = req.nextUrl;
    const limit = Number(url.searchParams.get("limit") ?? 100);
    const before = Number(url.searchParams.get("before") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, "limit must be a whole number from 1 to 1000");
    if (!Number.isInteger(before) || before < 0) throw new HttpError(400, "before must be an event id");
    const events = listFleetEvents({ agentId: url.searchParams.get("agent") ?? undefined, before, limit }).map((e) => ({ ...e, at: iso(e.at) }));
    return Response.json({ events }, { headers: NO_STORE });
  } catch (err) {
    return errorResponse(err);
  }
}
