// The fleet stream (GET /api/fleet/stream) through its route handler, against a REAL agent: a
// snapshot first, then status and perf frames as they happen; a reconnect with Last-Event-ID gets
// only what it missed; a client that stops reading holds no backlog and reads the present when it
// comes back; the list and services routes answer from the same memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as streamRoute from "@/app/api/fleet/stream/route";
import * as servicesRoute from "@/app/api/fleet/services/route";
import * as eventsRoute from "@/app/api/fleet/events/route";
import * as agentsRoute from "@/app/api/agents/route";
import { installVia } from "../../../../agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import type { FleetStreamEvents } from "../../shared/fleet-types";
import { SseReader } from "../../shared/sse-frames";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { getFleetMonitor } from "./fleet";
import { editLabels } from "./labels";

// Samples five times a second (the default is one per 5 s), so the tests need not wait.
const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
let agent: TestAgent;
let viewer: string;

beforeAll(async () => {
  agent = await env.startAgent({ SYSWARD_SERVICE_WATCH_MS: "100", SYSWARD_PERF_INTERVAL_MS: "200" });
  viewer = createSession((await createUser({ username: "streamviewer", password: "stream viewer password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

interface Frame {
  event: string;
  id: string;
  data: unknown;
}

/** SSE frames of a Response, parsed, with a way to wait for one in particular. */
class Frames {
  readonly #sse: SseReader;

  constructor(readonly res: Response) {
    this.#sse = new SseReader(res.body!);
  }

  async next(): Promise<Frame> {
    const f = await this.#sse.next();
    return { ...f, data: JSON.parse(f.data) };
  }

  /** Frames until `pred` holds for one; returns it. */
  async until(pred: (f: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = await Promise.race([this.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no such frame in time")), Math.max(0, deadline - Date.now())))]);
      if (pred(f)) return f;
    }
  }

  cancel(): Promise<void> {
    return this.#sse.cancel();
  }
}

function open(headers: Record<string, string> = {}, signal?: AbortSignal): Frames {
  const res = streamRoute.GET(consoleRequest("/api/fleet/stream", { session: viewer, headers, signal }));
  return new Frames(res);
}

const machinesOf = (f: Frame) => (f.event === "snapshot" ? (f.data as FleetStreamEvents["snapshot"]).machines : f.event === "machines" ? (f.data as FleetStreamEvents["machines"]).machines : []);

describe("GET /api/fleet/stream", () => {
  it("is an event stream: a snapshot first, then status and perf frames", async () => {
    const frames = open();
    expect(frames.res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const first = await frames.next();
    expect(first.event).toBe("snapshot");
    expect(machinesOf(first).map((m) => m.id)).toEqual(["local"]);
    // The machine comes up (unless it already was), then samples flow.
    await frames.until((f) => machinesOf(f).some((m) => m.id === "local" && m.reach === "up") || (f.event === "perf" && "local" in (f.data as FleetStreamEvents["perf"]).perf));
    const perf = await frames.until((f) => f.event === "perf");
    expect((perf.data as FleetStreamEvents["perf"]).perf.local!.perf.memTotalBytes).toBeGreaterThan(0);

    // A label and a service: each a status frame with the whole machine.
    editLabels("local", { set: { env: "test" }, remove: [] });
    await frames.until((f) => machinesOf(f).some((m) => m.labels.env === "test"));
    await installVia(agent.client(), { name: "streamed", healthSeconds: 0 }, shellServiceZip("streamed", shellBodies.steady("streamed")));
    await frames.until((f) => machinesOf(f).some((m) => m.services.some((s) => s.name === "streamed" && s.state === "running")));
    await frames.cancel();
  });

  it("resumes from Last-Event-ID with only what changed, and starts over from a snapshot for an id it does not know", async () => {
    const a = open();
    const snap = await a.next();
    await a.cancel();
    const resumed = open({ "last-event-id": snap.id });
    expect((await resumed.next()).event).not.toBe("snapshot");
    await resumed.cancel();
    const foreign = open({ "last-event-id": "00000000-5" });
    expect((await foreign.next()).event).toBe("snapshot");
    await foreign.cancel();
  });

  it("holds no backlog for a client that stops reading: it reads the present when it comes back", async () => {
    const frames = open();
    await frames.next();
    // While it does not read: samples (one a second) and a label change.
    const rev = getFleetMonitor().rev;
    await expect.poll(() => getFleetMonitor().rev, { timeout: 10_000 }).toBeGreaterThan(rev + 5);
    editLabels("local", { set: { env: "later" }, remove: [] });
    await expect.poll(() => getFleetMonitor().get("local")?.labels.env).toBe("later");
    // One frame (plus perf at most) brings it up to date: no queue of the steps in between.
    const next = await frames.next();
    expect(machinesOf(next).find((m) => m.id === "local")?.labels.env).toBe("later");
    await frames.cancel();
  });

  it("ends when the client goes away", async () => {
    const ac = new AbortController();
    const frames = open({}, ac.signal);
    await frames.next();
    ac.abort();
    await expect(frames.until(() => false, 5000)).rejects.toThrow(/ended|aborted/i);
  });

  it("is refused without a session", async () => {
    expect(streamRoute.GET(consoleRequest("/api/fleet/stream")).status).toBe(401);
  });
});

describe("the fleet's read routes", () => {
  it("GET /api/agents: state, labels and services from the monitor, filtered by ?selector and ?state", async () => {
    const get = async (q = "") => (await (await agentsRoute.GET(consoleRequest(`/api/agents${q}`, { session: viewer }))).json()) as { agents: Array<Record<string, unknown>>; error?: string };
    expect((await get()).agents).toEqual([expect.objectContaining({ id: "local", up: true, state: "up", labels: { env: "later" }, services: 1, failedServices: 0, agentVersion: expect.stringMatching(/^\d/) })]);
    expect((await get("?selector=env%3Dlater")).agents.map((a) => a.id)).toEqual(["local"]);
    expect((await get("?selector=env!%3Dlater")).agents).toEqual([]);
    expect((await get("?state=down")).agents).toEqual([]);
    const bad = await agentsRoute.GET(consoleRequest("/api/agents?selector=env%3D%3D%3D", { session: viewer }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^selector: /);
  });

  it("GET /api/fleet/services and /api/fleet/events", async () => {
    const services = (await (await servicesRoute.GET(consoleRequest("/api/fleet/services?state=running&name=stream", { session: viewer }))).json()) as { services: Array<Record<string, unknown>> };
    expect(services.services).toEqual([expect.objectContaining({ agentId: "local", name: "streamed", state: "running", version: expect.stringMatching(/^1-/), since: expect.stringMatching(/^\d{4}-/) })]);
    expect((await servicesRoute.GET(consoleRequest("/api/fleet/services?state=sleeping", { session: viewer }))).status).toBe(400);
    const events = (await eventsRoute.GET(consoleRequest("/api/fleet/events?agent=local&limit=50", { session: viewer })).json()) as { events: Array<{ kind: string; service: string | null }> };
    expect(events.events.some((e) => e.kind === "service.state" && e.service === "streamed")).toBe(true);
    expect(events.events.some((e) => e.kind === "machine.up")).toBe(true);
  });
});
