// The production console (scripts/start.mjs over a `next build`): every answer — a page, a
// redirect, an open and a protected route handler, the /rpc proxy, a static file, a 404 — carries
// the security headers of next.config.ts; HSTS only when a trusted proxy says https. Needs a build
// (npm test makes one before Vitest); without one it is skipped and says so.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findConsoleBuild, startConsole, type ConsoleProcess } from "../../agent/src/reliability/testing/console-process";

const build = findConsoleBuild();
const agentDataDir = mkdtempSync(join(tmpdir(), "sysward-headers-agent-"));
let plain: ConsoleProcess;
let proxied: ConsoleProcess;

beforeAll(async () => {
  if (!build) return;
  plain = await startConsole(build, agentDataDir);
  proxied = await startConsole(build, agentDataDir, { SYSWARD_TRUST_PROXY: "1" });
}, 90_000);
afterAll(async () => {
  await plain?.kill();
  await proxied?.kill();
  rmSync(agentDataDir, { recursive: true, force: true });
});

const get = (c: ConsoleProcess, path: string, init: RequestInit = {}) => fetch(`${c.baseUrl}${path}`, { redirect: "manual", ...init, headers: { cookie: c.cookie, ...init.headers } });

function expectSecurityHeaders(res: Response, what: string): void {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self' 'unsafe-inline'");
  expect(csp, what).not.toContain("unsafe-eval");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("referrer-policy"), what).toBe("same-origin");
  expect(res.headers.get("x-frame-options"), what).toBe("DENY");
}

describe.skipIf(!build)(`the production console's answers (${build ?? "no build"})${build ? "" : " — skipped: no production build of apps/console (npm test builds it before Vitest)"}`, () => {
  it("every kind of answer carries the security headers, and none carries HSTS over http", async () => {
    const login = await get(plain, "/login", { headers: { cookie: "" } });
    expect(login.status).toBe(200);
    const html = await login.text();
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    const styles = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    // The policy allows scripts and styles from this origin only: the page uses no others.
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of [...scripts, ...styles]) expect(src).toMatch(/^\/(?!\/)/);
    // And the app router's inline scripts are why script-src has 'unsafe-inline'.
    expect(html).toMatch(/<script>[^<]*self\.__next_f/);

    const answers: Array<[string, Response]> = [
      ["a page", login],
      ["a redirect to /login", await get(plain, "/", { headers: { cookie: "" } })],
      ["an open route handler", await get(plain, "/api/healthz")],
      ["a protected route handler", await get(plain, "/api/agents")],
      ["a refused request", await get(plain, "/api/users", { headers: { cookie: "" } })],
      ["the /rpc proxy (agent down)", await get(plain, "/rpc/local/sysward.agent.v1.AgentService/AgentInfo?connect=v1&encoding=json&message=%7B%7D")],
      ["a static file", await get(plain, scripts[0]!)],
      ["a 404", await get(plain, "/no/such/page")],
      ["a page asked for with a forged X-Forwarded-Proto", await get(plain, "/login", { headers: { cookie: "", "x-forwarded-proto": "https" } })],
    ];
    expect(answers.map(([what, r]) => `${what}: ${r.status}`)).toEqual([
      "a page: 200",
      "a redirect to /login: 307",
      "an open route handler: 200",
      "a protected route handler: 200",
      "a refused request: 401",
      "the /rpc proxy (agent down): 503",
      "a static file: 200",
      "a 404: 404",
      "a page asked for with a forged X-Forwarded-Proto: 200",
    ]);
    for (const [what, res] of answers) {
      expectSecurityHeaders(res, what);
      expect(res.headers.get("strict-transport-security"), what).toBeNull();
    }
  });

  it("HSTS when a trusted proxy in front says the request came over https, and only then", async () => {
    const https = await get(proxied, "/api/healthz", { headers: { "x-forwarded-proto": "https" } });
    expectSecurityHeaders(https, "over https");
    expect(https.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect((await get(proxied, "/api/healthz", { headers: { "x-forwarded-proto": "http" } })).headers.get("strict-transport-security")).toBeNull();
    expect((await get(proxied, "/api/healthz")).headers.get("strict-transport-security")).toBeNull();
  });
});
