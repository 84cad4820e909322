// /agents/<id>/metrics: the agent's Prometheus text through the console's route handler, against a
// REAL agent child process, read with a real third-party parser.
import { readdirSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as metricsRoute from "@/app/agents/[agentId]/metrics/route";
import { config as proxyConfig, proxy } from "@/proxy";
import { createToken } from "../auth/api-tokens";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { ParsedMetrics } from "../../../../agent/src/metrics/testing/parsed-metrics";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { consoleRequest, setupConsoleTestEnv, type RequestOptions } from "../testing/console-test-env";

const env = setupConsoleTestEnv();
let agent: TestAgent;
let viewer: string;
let viewerToken: string;

beforeAll(async () => {
  agent = await env.startAgent();
  const v = await createUser({ username: "viewer1", password: "viewer password", role: "viewer" });
  viewer = createSession(v.id, null).id;
  viewerToken = createToken(v.id, "prometheus").token;
});
afterAll(() => env.cleanup());

const metrics = (agentId: string, opts: RequestOptions) =>
  metricsRoute.GET(consoleRequest(`/agents/${agentId}/metrics`, opts), { params: Promise.resolve({ agentId }) });

async function scrape(opts: RequestOptions): Promise<ParsedMetrics> {
  const res = await metrics("local", opts);
  expect(res.status).toBe(200);
  return new ParsedMetrics(await res.text());
}

describe("/agents/<id>/metrics", () => {
  it("forwards the agent's Prometheus text to a scraper holding a viewer's API token", async () => {
    const res = await metrics("local", { token: viewerToken, origin: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const body = await res.text();
    expect(body).not.toContain(agent.token);
    const m = new ParsedMetrics(body);
    expect(m.sum("sysward_system_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.value("sysward_system_memory_total_bytes")).toBeGreaterThan(0);
    expect(m.samples("sysward_agent_info")).toHaveLength(1);
  });

  it("is live: the agent's counters move between scrapes", async () => {
    const first = await scrape({ session: viewer });
    const cpu0 = first.sum("sysward_system_cpu_seconds_total");
    const later = await waitFor(async () => {
      const m = await scrape({ session: viewer });
      return m.sum("sysward_system_cpu_seconds_total") > cpu0 ? m : undefined;
    }, "CPU seconds to grow");
    expect(later.value("sysward_agent_perf_samples_total")).toBeGreaterThan(first.value("sysward_agent_perf_samples_total")!);
    // An RPC made between two scrapes is counted in the second.
    const before = later.value("sysward_agent_rpc_handled_total", { method: "AgentInfo", code: "OK" }) ?? 0;
    await agent.client().agentInfo({});
    expect((await scrape({ session: viewer })).value("sysward_agent_rpc_handled_total", { method: "AgentInfo", code: "OK" })).toBe(before + 1);
  });

  it("is 401 without credentials or with a wrong token, and 404 for an unknown agent", async () => {
    expect((await metrics("local", {})).status).toBe(401);
    expect((await metrics("local", { token: "swt_wrong", origin: null })).status).toBe(401);
    expect((await metrics("local", { token: agent.token, origin: null })).status).toBe(401); // the agent's token is not a console token
    expect((await metrics("nowhere", { token: viewerToken, origin: null })).status).toBe(404);
  });
});

describe("proxy.ts (Next's request hook) and route handlers", () => {
  // A scraper sends a Bearer token and no cookie: had the hook sent it to /login, Prometheus would
  // have followed the redirect and failed to parse the login page (found by bench/prometheus-scrape.mjs).
  const appDir = join(__dirname, "../../../app");
  const routes = (readdirSync(appDir, { recursive: true }) as string[])
    .map((f) => f.split(sep).join("/"))
    .filter((f) => /(^|\/)route\.ts$/.test(f))
    .map((f) => "/" + dirname(f).split("/").filter((s) => !/^\(.*\)$/.test(s)).map((s) => (s === "[agentId]" ? "local" : s.startsWith("[") ? "x" : s)).join("/"));
  const matcher = new RegExp(`^${proxyConfig.matcher[0]}$`);

  it("lets every route handler answer for itself: no redirect to /login for a cookie-less request", () => {
    expect(routes).toContain("/agents/local/metrics");
    for (const path of routes) {
      if (!matcher.test(path)) continue; // /api, /rpc: the hook never runs
      const res = proxy(new NextRequest(`http://console.test${path}`, { headers: { authorization: `Bearer ${viewerToken}` } }));
      expect(`${path} → ${res.headers.get("location")}`).toBe(`${path} → null`);
    }
  });
});
