// No route or page answers without credentials. The lists are read from the app directory, so a
// route or page added later is checked without anyone editing this file.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { NextRequest } from "next/server";
import { afterAll, describe, expect, it } from "vitest";
import { config as proxyConfig, proxy } from "../proxy";
import { consoleRequest, setupConsoleTestEnv } from "../lib/server/testing/console-test-env";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

const appDir = dirname(fileURLToPath(import.meta.url));
const files = (readdirSync(appDir, { recursive: true }) as string[]).map((f) => f.split(sep).join("/"));
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Values for dynamic segments: enough for the handler to get past routing to its auth check. */
const SAMPLE_PARAMS: Record<string, string | string[]> = {
  agentId: "local",
  id: "1",
  method: ["sysward.agent.v1.AgentService", "ListServices"],
  file: "sysward-agent-linux-x64.sha256",
};

function urlAndParams(file: string): { url: string; params: Record<string, string | string[]> } {
  const params: Record<string, string | string[]> = {};
  const segments = dirname(file)
    .split("/")
    .filter((s) => s !== "." && !/^\(.*\)$/.test(s))
    .map((s) => {
      const m = /^\[(\.\.\.)?(.+)\]$/.exec(s);
      if (!m) return s;
      const value = SAMPLE_PARAMS[m[2]!];
      if (value === undefined) throw new Error(`${file}: add a sample value for [${m[2]}] to SAMPLE_PARAMS`);
      params[m[2]!] = value;
      return Array.isArray(value) ? value.join("/") : value;
    });
  return { url: `/${segments.join("/")}`, params };
}

const routeFiles = files.filter((f) => /(^|\/)route\.ts$/.test(f));
const pageFiles = files.filter((f) => /(^|\/)page\.tsx$/.test(f));

/** The only doors open without credentials, and what they answer. */
const PUBLIC_ROUTES: Record<string, number> = {
  "GET /api/healthz": 200,
  // A new machine's agent enrolling has no session or API token: its credential is the one-time
  // enrollment token in the body, so without one (or with a session or API token) it is 401.
  "POST /api/enroll": 401,
  // An enrolled agent fetching its CRL or renewing: its credential is its certificate and a fresh
  // signature by that certificate's key, so without them (or with a session or token) it is 401.
  "POST /api/pki/agent-credentials": 401,
  // What a machine with no credential yet downloads: the install script and the agent artifact hold
  // no secret (lib/server/downloads/download-routes.ts). 404 here: the test env serves no artifact.
  "GET /install.sh": 404,
  "GET /downloads/sysward-agent-linux-x64.sha256": 404,
};
const LOGIN = "POST /api/auth/login";
const PUBLIC_PAGES = new Set(["/login"]);

describe("every route handler", () => {
  it("was found", () => {
    expect(routeFiles.length).toBeGreaterThanOrEqual(12);
  });

  const cases = routeFiles.flatMap((file) => {
    const { url, params } = urlAndParams(file);
    return [{ file, url, params }];
  });

  for (const { file, url, params } of cases) {
    it(`${file} answers 401 without a valid session or token (only healthz, login, enroll, agent-credentials and the agent's downloads are open)`, async () => {
      const mod = (await import(/* @vite-ignore */ `./${file.replace(/\.ts$/, "")}`)) as Record<string, unknown>;
      const methods = HTTP_METHODS.filter((m) => typeof mod[m] === "function");
      expect(methods.length, `${file} exports no HTTP method`).toBeGreaterThan(0);
      const open = methods.some((m) => `${m} ${url}` === LOGIN || `${m} ${url}` in PUBLIC_ROUTES);
      // Without its own OPTIONS, Next answers OPTIONS itself: 204, no auth.
      if (!open) expect(methods, `${file} must export OPTIONS (optionsRoute) so Next does not answer it unauthenticated`).toContain("OPTIONS");
      for (const method of methods) {
        const handler = mod[method] as (req: NextRequest, ctx: { params: Promise<unknown> }) => Promise<Response>;
        const key = `${method} ${url}`;
        const call = (opts: Parameters<typeof consoleRequest>[1]) =>
          handler(consoleRequest(url, { method, body: method === "GET" || method === "HEAD" ? null : "{}", ...opts }), { params: Promise.resolve(params) });
        if (key === LOGIN) {
          // The login form itself: it takes credentials, so it cannot demand them; it never
          // sets a cookie for a request without a valid username and password.
          const res = await call({});
          expect(res.status).toBe(400);
          expect(res.headers.get("set-cookie")).toBeNull();
          continue;
        }
        const expected = PUBLIC_ROUTES[key] ?? 401;
        for (const [what, opts] of [
          ["no credentials", {}],
          ["an unknown session cookie", { session: "x".repeat(43) }],
          ["an unknown API token", { token: "swt_unknown" }],
        ] as const) {
          const res = await call(opts);
          expect(`${key} with ${what}: ${res.status}`).toBe(`${key} with ${what}: ${expected}`);
        }
      }
    });
  }

  it("the public list names only routes that exist", () => {
    const keys = new Set<string>();
    for (const file of routeFiles) for (const m of HTTP_METHODS) keys.add(`${m} ${urlAndParams(file).url}`);
    for (const key of [...Object.keys(PUBLIC_ROUTES), LOGIN]) expect(keys).toContain(key);
  });
});

describe("every page", () => {
  it("was found", () => {
    expect(pageFiles.length).toBeGreaterThanOrEqual(2);
  });

  const matcher = new RegExp(`^${proxyConfig.matcher[0]}$`);

  for (const file of pageFiles) {
    const { url } = urlAndParams(file);
    if (PUBLIC_PAGES.has(url)) continue;

    it(`${file} (${url}) redirects to /login without a session cookie`, () => {
      expect(matcher.test(url), `proxy.ts matcher must cover ${url}`).toBe(true);
      const res = proxy(new NextRequest(`http://console.test${url}`));
      expect(res.status).toBe(307);
      expect(new URL(res.headers.get("location")!).pathname).toBe("/login");
      // With a cookie the hook lets the request through to the real session check.
      const withCookie = proxy(new NextRequest(`http://console.test${url}`, { headers: { cookie: "sysward_session=whatever" } }));
      expect(withCookie.headers.get("location")).toBeNull();
    });

    it(`${file} checks the session itself or sits under a layout that does`, () => {
      const guards = /\brequire(User|Admin)\(/;
      let dir = dirname(join(appDir, file));
      let guarded = guards.test(readFileSync(join(appDir, file), "utf8"));
      while (!guarded && relative(appDir, dir) !== "..") {
        const layout = join(dir, "layout.tsx");
        guarded = existsSync(layout) && guards.test(readFileSync(layout, "utf8"));
        dir = dirname(dir);
      }
      expect(guarded).toBe(true);
    });
  }
});
