// The sizeBytes field against a REAL agent: a declared size travels to the agent as size_bytes,
// one over the console's cap is refused before the file is read, one the file does not match
// fails the install with nothing installed, and clients that send none still work.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as debugVarsRoute from "@/app/agents/[agentId]/debug/vars/route";
import * as uploadRoute from "@/app/api/agents/[agentId]/upload/route";
import { buildZip } from "../../../../agent/src/install/testing/zip-builder";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { uploadForm } from "../../client/upload-request";
import type { UploadEvent, UploadResultEvent } from "../../shared/types";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { streamedMultipart, streamedZip, type StreamedBody } from "../testing/streamed-zip";

const CONSOLE_CAP = 8 * 1024 * 1024;
const AGENT_CAP = 4 * 1024 * 1024;
const env = setupConsoleTestEnv({ SYSWARD_MAX_UPLOAD_BYTES: String(CONSOLE_CAP) });
let agent: TestAgent;
let admin: string;

beforeAll(async () => {
  agent = await env.startAgent({ SYSWARD_MAX_PACKAGE_BYTES: String(AGENT_CAP) });
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
});
afterAll(() => env.cleanup());

const serviceZip = (name: string) => buildZip([{ name, data: Buffer.from("#!/bin/sh\nexec sleep 600\n"), mode: 0o100755 }]);
const asBody = (bytes: Uint8Array): StreamedBody => ({ size: bytes.length, stream: () => new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }) });
const route = (body: ReadableStream<Uint8Array>, contentType: string) =>
  uploadRoute.POST(consoleRequest("/api/agents/local/upload", { method: "POST", body, session: admin, headers: { "content-type": contentType } }), {
    params: Promise.resolve({ agentId: "local" }),
  });

/** Sends the fields, then the file; chunked (no Content-Length), so only sizeBytes speaks for the size. */
function upload(fields: Array<[string, string]>, zip: StreamedBody, tap?: (bytes: number) => void): Promise<Response> {
  const body = streamedMultipart(fields, { field: "package", filename: "pkg.zip", contentType: "application/zip", body: zip });
  const stream = tap ? body.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, out) => (tap(c.length), out.enqueue(c)) })) : body.stream();
  return route(stream, body.contentType);
}

async function result(res: Response): Promise<UploadResultEvent> {
  expect(res.status).toBe(200);
  const evs = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as UploadEvent);
  const results = evs.filter((e): e is UploadResultEvent => e.type === "result");
  expect(results).toHaveLength(1);
  return results[0]!;
}

const errorOf = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: string }).error });

/** The console answers as soon as it broke the stream off; the agent then clears up on its own. */
async function expectNotInstalled(name: string): Promise<void> {
  await waitFor(
    () =>
      agent.client().getService({ name }).then(
        () => false,
        (e: unknown) => ConnectError.from(e).code === Code.NotFound,
      ),
    `the agent to have no service ${name}`,
  );
  await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 0, "the agent's staging dir to be empty");
}

/** The agent's call counters by "Method Code" (its /debug/vars "rpc-calls"). */
async function agentRpcCalls(): Promise<Record<string, number>> {
  const res = await debugVarsRoute.GET(consoleRequest("/agents/local/debug/vars", { session: admin }), { params: Promise.resolve({ agentId: "local" }) });
  return ((await res.json()) as { "rpc-calls": Record<string, number> })["rpc-calls"];
}

/** Install calls the agent has counted, whatever their outcome. */
async function agentInstallCalls(): Promise<number> {
  return Object.entries(await agentRpcCalls()).reduce((n, [key, count]) => (key.startsWith("Install ") ? n + count : n), 0);
}

describe("declared package size (sizeBytes)", () => {
  it("the browser's form declares the file's size and the package installs", async () => {
    const zip = serviceZip("browser");
    const form = uploadForm({ name: "browser", healthSeconds: 0, file: new File([new Uint8Array(zip)], "browser.zip", { type: "application/zip" }) });
    expect([...form.keys()]).toEqual(["name", "healthSeconds", "sizeBytes", "package"]);
    expect(form.get("sizeBytes")).toBe(String(zip.length));
    // undici serializes the FormData exactly as a browser would send it.
    const encoded = new Response(form);
    const r = await result(await route(encoded.body!, encoded.headers.get("content-type")!));
    expect(r).toMatchObject({ ok: true, service: { name: "browser", state: "running" } });
  });

  it("the declared size reaches the agent as size_bytes: over the agent's own cap it refuses before receiving", async () => {
    // Within the console's cap, over the agent's: only the agent can refuse, and its message names the size it was told.
    const zip = streamedZip([{ name: "blob.bin", size: AGENT_CAP + 1024 * 1024 }]);
    const r = await result(await upload([["name", "agentcap"], ["sizeBytes", String(zip.size)]], zip));
    expect(r).toMatchObject({ ok: false, code: "resource_exhausted", message: expect.stringContaining(`package of ${zip.size} bytes is larger than the ${AGENT_CAP}-byte limit`) });
    await expectNotInstalled("agentcap");
  });

  it("413 when the declared size is over SYSWARD_MAX_UPLOAD_BYTES, before the file is read and without an Install at the agent", async () => {
    const before = await agentInstallCalls();
    const zip = streamedZip([{ name: "blob.bin", size: 2 * CONSOLE_CAP }]);
    let read = 0;
    const { status, error } = await errorOf(await upload([["name", "declaredhuge"], ["sizeBytes", String(zip.size)]], zip, (n) => (read += n)));
    expect(status).toBe(413);
    expect(error).toBe(`the package is ${zip.size} bytes, larger than the upload limit of ${CONSOLE_CAP} bytes (SYSWARD_MAX_UPLOAD_BYTES)`);
    expect(read).toBeLessThan(zip.size / 4);
    // A later install is counted, so the counter is live; the refused one never was.
    expect((await result(await upload([["name", "afterhuge"], ["healthSeconds", "0"]], asBody(serviceZip("afterhuge"))))).ok).toBe(true);
    expect(await agentInstallCalls()).toBe(before + 1);
    await expectNotInstalled("declaredhuge");
  });

  it("400 for a sizeBytes that is not a length in digits up to 2^53", async () => {
    for (const bad of ["", "12abc", "-1", "1.5", " 12", "1e6", "0x10", "9007199254740993", "99999999999999999999"]) {
      const { status, error } = await errorOf(await upload([["name", "badsize"], ["sizeBytes", bad]], asBody(serviceZip("badsize"))));
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(error).toMatch(/^sizeBytes must be the package's length in bytes, digits only, at most 9007199254740992/);
    }
    // 2^53 itself is a valid length, just over the cap.
    expect((await upload([["name", "badsize"], ["sizeBytes", "9007199254740992"]], asBody(serviceZip("badsize")))).status).toBe(413);
    await expectNotInstalled("badsize");
  });

  it("a file shorter than declared fails with invalid_argument and the agent installs nothing", async () => {
    // A complete, valid ZIP: had the agent seen the stream end, it would have installed it.
    const zip = serviceZip("short");
    const cancelledBefore = (await agentRpcCalls())["Install Canceled"] ?? 0;
    const r = await result(await upload([["name", "short"], ["sizeBytes", String(zip.length + 10)]], asBody(zip)));
    expect(r).toEqual({
      type: "result",
      ok: false,
      code: "invalid_argument",
      message: `the package was declared as ${zip.length + 10} bytes (sizeBytes) but ${zip.length} arrived; nothing was installed`,
      logLines: [],
      previousStillRunning: false,
    });
    await expectNotInstalled("short");
    // The call was cancelled before its stream ended (not ended and then refused by the agent).
    // The agent counts the call when its handler unwinds, which on a loaded machine takes a while.
    let calls: Record<string, number> = {};
    await waitFor(
      async () => {
        calls = await agentRpcCalls();
        return calls["Install Canceled"] === cancelledBefore + 1;
      },
      "the agent to count a cancelled Install",
      { timeoutMs: 30_000, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; it counted ${JSON.stringify(calls)} (Install Canceled was ${cancelledBefore} before)`);
    });
  });

  it("a file longer than declared fails as soon as it passes the size; the running version stays", async () => {
    const first = await result(await upload([["name", "long"], ["healthSeconds", "0"], ["sizeBytes", String(serviceZip("long").length)]], asBody(serviceZip("long"))));
    expect(first.ok).toBe(true);
    const zip = streamedZip([{ name: "long", data: Buffer.from("#!/bin/sh\nexec sleep 600\n"), mode: 0o100755 }, { name: "blob.bin", size: 3 * 1024 * 1024 }]);
    const declared = 1024 * 1024;
    const r = await result(await upload([["name", "long"], ["sizeBytes", String(declared)]], zip));
    expect(r).toMatchObject({ ok: false, code: "invalid_argument", previousStillRunning: true });
    expect(r.ok === false && r.message).toMatch(new RegExp(`^the package was declared as ${declared} bytes \\(sizeBytes\\) but more arrived \\(at least \\d+\\); nothing was installed$`));
    await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 0, "the agent's staging dir to be empty");
    const service = (await agent.client().getService({ name: "long" })).service!;
    expect(service.version?.id).toBe(first.ok && first.service.version);
    expect(service.keptVersions).toHaveLength(1);
  });

  it("without sizeBytes (older clients) the package still installs", async () => {
    const r = await result(await upload([["name", "nosize"], ["healthSeconds", "0"]], asBody(serviceZip("nosize"))));
    expect(r).toMatchObject({ ok: true, service: { name: "nosize", state: "running" } });
  });
});
