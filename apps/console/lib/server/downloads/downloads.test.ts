// The agent's downloads (/install.sh, /downloads/…), the one command that uses them, and the
// upgrade command, on a real artifact dir laid out as `npm run package` writes it.
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as artifactRoute from "@/app/api/agent-artifact/route";
import * as downloadRoute from "@/app/downloads/[file]/route";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import * as installRoute from "@/app/install.sh/route";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { installCommand, shellWord } from "./install-command";

const env = setupConsoleTestEnv();
const dir = join(env.root, "artifact");
const VERSION = "1.2.3-gabcdef0";
const FILE = `sysward-agent-${VERSION}-linux-x64.tar.gz`;
const SCRIPT = "#!/bin/sh\necho install\n";
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const TARBALL = Buffer.from("not really a tarball, but bytes all the same");
let viewer: string;
let admin: string;

/** An artifact dir as build-artifact.mjs leaves it. */
function writeArtifact(tarball: Buffer | { sparseBytes: number } = TARBALL, manifest: Record<string, unknown> = {}): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, "install.sh"), SCRIPT);
  let size: number;
  let hash: string;
  if (Buffer.isBuffer(tarball)) {
    writeFileSync(join(dir, FILE), tarball);
    [size, hash] = [tarball.length, sha256(tarball)];
  } else {
    writeFileSync(join(dir, FILE), "");
    truncateSync(join(dir, FILE), tarball.sparseBytes);
    [size, hash] = [tarball.sparseBytes, "0".repeat(64)];
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ version: VERSION, platform: "linux-x64", file: FILE, sha256: hash, size, installScriptSha256: sha256(SCRIPT), ...manifest }));
}

const get = (path: string, method = "GET") =>
  path === "/install.sh" ? installRoute.GET(consoleRequest(path, { method })) : downloadRoute.GET(consoleRequest(path, { method }), { params: Promise.resolve({ file: path.replace(/^\/downloads\//, "") }) });

beforeAll(async () => {
  viewer = createSession((await createUser({ username: "dlviewer", password: "viewer password", role: "viewer" })).id, null).id;
  admin = createSession((await createUser({ username: "dladmin", password: "admin password", role: "admin" })).id, null).id;
});
beforeEach(() => writeArtifact());
afterAll(() => env.cleanup());

describe("the one command", () => {
  const artifact = { version: VERSION, sha256: "a".repeat(64), installScriptSha256: "b".repeat(64) };
  const enrolling = { token: "swe_TOKEN", caSha256: "AB:CD", listen: "10.0.0.5:7443" };

  it("over https pipes the script to sh: TLS vouches for it and for the sha256 it fetches", () => {
    expect(installCommand("https://console.example.com/fleet", artifact, enrolling)).toBe(
      "curl -fsSL https://console.example.com/install.sh | sh -s -- --console https://console.example.com --token swe_TOKEN --ca-sha256 AB:CD --listen 10.0.0.5:7443",
    );
  });

  it("over plain http checks the script before it runs and pins the artifact, and says --insecure-http", () => {
    expect(installCommand("http://10.231.0.1:3000", artifact, { token: "swe_T", caSha256: "AB" })).toBe(
      `f=$(mktemp) && curl -fsSLo "$f" http://10.231.0.1:3000/install.sh && echo "${"b".repeat(64)}  $f" | sha256sum -c --quiet && ` +
        `sh "$f" --console http://10.231.0.1:3000 --version ${VERSION} --sha256 ${"a".repeat(64)} --token swe_T --ca-sha256 AB --insecure-http`,
    );
  });

  it("without enrolling is the upgrade: no token, no CA, no listen", () => {
    expect(installCommand("https://c.example", artifact)).toBe("curl -fsSL https://c.example/install.sh | sh -s -- --console https://c.example");
  });

  it("quotes what sh would read specially (an IPv6 listen address is a glob)", () => {
    expect(shellWord("[fd00::5]:7443")).toBe("'[fd00::5]:7443'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord("10.0.0.5:7443")).toBe("10.0.0.5:7443");
  });
});

describe("the downloads (open: no secret in them)", () => {
  it("serve install.sh and the artifact byte for byte, with their sha256 lines", async () => {
    const script = await get("/install.sh");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("text/x-shellscript");
    expect(await script.text()).toBe(SCRIPT);

    const tarball = await get(`/downloads/${FILE}`);
    expect(tarball.status).toBe(200);
    expect(tarball.headers.get("content-length")).toBe(String(TARBALL.length));
    expect(tarball.headers.get("content-type")).toBe("application/gzip");
    expect(Buffer.from(await tarball.arrayBuffer())).toEqual(TARBALL);

    const line = `${sha256(TARBALL)}  ${FILE}\n`;
    expect(await (await get(`/downloads/${FILE}.sha256`)).text()).toBe(line);
    // The current one under a name that does not change, for `install.sh` over https.
    expect(await (await get("/downloads/sysward-agent-linux-x64.sha256")).text()).toBe(line);

    const head = await get(`/downloads/${FILE}`, "HEAD");
    expect(head.headers.get("content-length")).toBe(String(TARBALL.length));
    expect(head.body).toBeNull();
  });

  it("serve nothing else, and nothing when the artifact is missing, half-written or another", async () => {
    const other = await get("/downloads/sysward-agent-0.0.1-linux-x64.tar.gz");
    expect(other.status).toBe(404);
    expect(await other.text()).toContain(`this console serves ${FILE}`);
    expect((await get("/downloads/..%2Fmanifest.json")).status).toBe(404);

    writeArtifact(TARBALL, { size: TARBALL.length + 1 }); // the tarball is being replaced
    expect((await get(`/downloads/${FILE}`)).status).toBe(404);
    writeArtifact(TARBALL, { file: "../../etc/passwd" });
    expect((await get("/install.sh")).status).toBe(404);
    writeFileSync(join(dir, "manifest.json"), "{");
    expect((await get("/downloads/sysward-agent-linux-x64.sha256")).status).toBe(404);
    rmSync(dir, { recursive: true });
    const none = await get("/install.sh");
    expect(none.status).toBe(404);
    expect(await none.text()).toContain("npm run package");
  });

  it("stream the artifact: memory does not grow with its size", async () => {
    const bytes = 384 * 1024 * 1024;
    writeArtifact({ sparseBytes: bytes });
    const before = process.memoryUsage().rss;
    const res = await get(`/downloads/${FILE}`);
    let peak = before;
    let read = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.length;
      if ((read & 0xffffff) < value.length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(read).toBe(bytes);
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  });
});

describe("the commands a signed-in user gets", () => {
  it("Add machine gives the one command when an artifact is served, and the agent's own enroll beside it", async () => {
    const res = await enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: { name: "Bare host", listen: "10.0.0.9:7443", consoleUrl: "https://console.example.com" }, session: admin }));
    expect(res.status).toBe(201);
    const created = (await res.json()) as { token: string; command: string; enrollCommand: string; caSha256: string; agentArtifact: unknown };
    expect(created.command).toBe(`curl -fsSL https://console.example.com/install.sh | sh -s -- --console https://console.example.com --token ${created.token} --ca-sha256 ${created.caSha256} --listen 10.0.0.9:7443`);
    expect(created.enrollCommand).toBe(`node apps/agent/dist/agent.mjs enroll https://console.example.com ${created.token} --listen 10.0.0.9:7443 --ca-sha256 ${created.caSha256}`);
    expect(created.agentArtifact).toEqual({ version: VERSION, sha256: sha256(TARBALL) });
  });

  it("GET /api/agent-artifact names the artifact and the upgrade command, to any user", async () => {
    const res = await artifactRoute.GET(consoleRequest("/api/agent-artifact?consoleUrl=http://10.231.0.1:3000", { session: viewer }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { artifact: { version: string; size: number }; upgradeCommand: string };
    expect(body.artifact).toMatchObject({ version: VERSION, size: TARBALL.length });
    expect(body.upgradeCommand).toContain(`sh "$f" --console http://10.231.0.1:3000 --version ${VERSION} --sha256 ${sha256(TARBALL)}`);
    expect(body.upgradeCommand).not.toContain("--token");
    expect((await artifactRoute.GET(consoleRequest("/api/agent-artifact?consoleUrl=ftp://x", { session: viewer }))).status).toBe(400);
    rmSync(dir, { recursive: true });
    expect(await (await artifactRoute.GET(consoleRequest("/api/agent-artifact", { session: viewer }))).json()).toEqual({ artifact: null, upgradeCommand: null });
  });
});
