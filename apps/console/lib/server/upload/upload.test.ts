// POST /api/agents/<id>/upload against a REAL agent: multipart streamed through busboy into the
// Install client stream, NDJSON phases and result, refusals, rollbacks, and a 200 MB package
// with the console's memory measured flat.
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as uploadRoute from "@/app/api/agents/[agentId]/upload/route";
import { Code, ConnectError } from "@connectrpc/connect";
import { buildZip } from "../../../../agent/src/install/testing/zip-builder";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import type { UploadEvent, UploadPhaseEvent, UploadResultEvent } from "../../shared/types";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { agentLacksService, consoleRequest, setupConsoleTestEnv, type RequestOptions } from "../testing/console-test-env";
import { streamedMultipart, streamedZip, type StreamedBody } from "../testing/streamed-zip";

const env = setupConsoleTestEnv({ SYSWARD_MAX_UPLOAD_BYTES: String(300 * 1024 * 1024) });
let agent: TestAgent;
let admin: string;
let viewer: string;

beforeAll(async () => {
  agent = await env.startAgent();
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

const script = (body: string) => ({ data: Buffer.from(`#!/bin/sh\n${body}\n`), mode: 0o100755 });
const serviceZip = (name: string, body = "echo started; exec sleep 600") => {
  const s = script(body);
  return buildZip([{ name, data: s.data, mode: s.mode }]);
};
const asBody = (bytes: Uint8Array): StreamedBody => ({
  size: bytes.length,
  stream: () => new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }),
});

interface UploadOptions extends RequestOptions {
  name?: string;
  healthSeconds?: string;
  zip?: StreamedBody;
  filename?: string;
  fileContentType?: string;
  fileField?: string;
  nameAfterFile?: boolean;
  /** Leave Content-Length out (a chunked upload). */
  chunked?: boolean;
  /** Sees the size of each chunk of the body as the console reads it. */
  tap?: (bytes: number) => void;
}

function upload(o: UploadOptions = {}): Promise<Response> {
  const fields: Array<[string, string]> = [];
  if (o.name !== undefined && !o.nameAfterFile) fields.push(["name", o.name]);
  if (o.healthSeconds !== undefined) fields.push(["healthSeconds", o.healthSeconds]);
  const body = streamedMultipart(
    fields,
    o.zip ? { field: o.fileField ?? "package", filename: o.filename ?? "pkg.zip", contentType: o.fileContentType ?? "application/zip", body: o.zip } : null,
    { fieldsAfterFile: o.nameAfterFile && o.name !== undefined ? [["name", o.name]] : [] },
  );
  const headers: Record<string, string> = { "content-type": body.contentType, ...(o.chunked ? {} : { "content-length": String(body.size) }), ...o.headers };
  const tap = o.tap;
  const stream = tap ? body.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, out) => (tap(c.length), out.enqueue(c)) })) : body.stream();
  const req = consoleRequest("/api/agents/local/upload", { method: "POST", body: stream, session: admin, ...o, headers });
  return uploadRoute.POST(req, { params: Promise.resolve({ agentId: "local" }) });
}

async function events(res: Response): Promise<UploadEvent[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  expect(text.endsWith("\n")).toBe(true);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l) as UploadEvent);
}

function result(evs: UploadEvent[]): UploadResultEvent {
  const results = evs.filter((e): e is UploadResultEvent => e.type === "result");
  expect(results).toHaveLength(1);
  expect(evs.at(-1)).toBe(results[0]);
  return results[0]!;
}
const phases = (evs: UploadEvent[]) => evs.filter((e): e is UploadPhaseEvent => e.type === "phase").map((e) => e.phase);

describe("upload and deploy", () => {
  it("installs a package: phases as it goes, then the running service", async () => {
    const zip = serviceZip("hello");
    const evs = await events(await upload({ name: "hello", healthSeconds: "2", zip: asBody(zip) }));
    const r = result(evs);
    expect(r).toEqual({
      type: "result",
      ok: true,
      service: { name: "hello", version: expect.stringMatching(/^\d+-[0-9a-f]{8}$/), sha256: createHash("sha256").update(zip).digest("hex"), state: "running", pids: [expect.any(Number)], runtime: "supervisor" },
    });
    expect(phases(evs)[0]).toBe("receiving");
    expect(phases(evs)).toContain("health"); // a 2 s window is watched by several polls
    expect(phases(evs).at(-1)).toBe("running");
    expect(listAudit({ limit: 10 }).find((e) => e.action === "install" && e.target === "local/hello")).toMatchObject({ result: "ok", username: "admin1" });
  });

  it("a package that dies in its health window fails with its log lines; nothing was running before", async () => {
    const evs = await events(await upload({ name: "crashy", healthSeconds: "2", zip: asBody(serviceZip("crashy", "echo 'boom: config missing' >&2; exit 3")) }));
    const r = result(evs);
    expect(r).toMatchObject({ ok: false, code: "failed_precondition", previousStillRunning: false });
    if (r.ok) throw new Error("unreachable");
    expect(r.message).toMatch(/health/);
    expect(r.logLines.join("\n")).toContain("boom: config missing");
    expect(phases(evs).at(-1)).toBe("failed");
    expect(listAudit({ limit: 10 }).find((e) => e.action === "install" && e.target === "local/crashy")).toMatchObject({ result: "failed" });
  });

  it("a bad new version is rolled back and the previous one keeps running", async () => {
    const first = result(await events(await upload({ name: "steady", healthSeconds: "1", zip: asBody(serviceZip("steady")) })));
    expect(first.ok).toBe(true);
    const evs = await events(await upload({ name: "steady", healthSeconds: "2", zip: asBody(serviceZip("steady", "echo 'v2 is broken' >&2; exit 1")) }));
    const r = result(evs);
    expect(r).toMatchObject({ ok: false, code: "failed_precondition", previousStillRunning: true });
    expect(r.ok === false && r.logLines.join("\n")).toContain("v2 is broken");
    expect(r.ok === false && r.message).toMatch(/rolled back/);
    expect(phases(evs).at(-1)).toBe("rolled-back");
    const service = (await agent.client().getService({ name: "steady" })).service!;
    expect(service.version?.id).toBe(first.ok && first.service.version);
  });
});

describe("upload refusals", () => {
  const errorOf = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: string }).error });

  it("400 for a bad name, with the rule in the message, before anything reaches the agent", async () => {
    for (const name of ["", "has space", "dot.dot", "x".repeat(65), "ünïcode"]) {
      const { status, error } = await errorOf(await upload({ name, zip: asBody(serviceZip("x")) }));
      expect(status).toBe(400);
      expect(error).toContain("letters and digits only, 1–64");
    }
    expect(readdirSync(join(agent.dataDir, "staging"))).toEqual([]);
  });

  it("400 when the name comes after the file, or the file part is misnamed, or missing", async () => {
    expect((await errorOf(await upload({ name: "late", nameAfterFile: true, zip: asBody(serviceZip("late")) }))).error).toMatch(/"name" field must come before/);
    expect((await errorOf(await upload({ name: "misnamed", fileField: "zip", zip: asBody(serviceZip("misnamed")) }))).status).toBe(400);
    expect((await errorOf(await upload({ name: "nofile" }))).error).toMatch(/no package/);
    expect((await errorOf(await upload({ name: "badhealth", healthSeconds: "soon", zip: asBody(serviceZip("badhealth")) }))).status).toBe(400);
  });

  it("415 when the request is not multipart, or the file is not a ZIP", async () => {
    const json = await uploadRoute.POST(consoleRequest("/api/agents/local/upload", { json: { name: "x" }, session: admin }), { params: Promise.resolve({ agentId: "local" }) });
    expect(json.status).toBe(415);
    expect((await errorOf(await upload({ name: "png", fileContentType: "image/png", zip: asBody(serviceZip("png")) }))).status).toBe(415);
  });

  it("413 when the declared size is over SYSWARD_MAX_UPLOAD_BYTES", async () => {
    const res = await upload({ name: "huge", zip: asBody(serviceZip("huge")), headers: { "content-length": String(301 * 1024 * 1024) } });
    expect(res.status).toBe(413);
  });

  it("401 without a session, 403 for a viewer and for a foreign Origin, 404 for an unknown agent", async () => {
    const zip = asBody(serviceZip("denied"));
    expect((await upload({ name: "denied", zip, session: undefined })).status).toBe(401);
    expect((await upload({ name: "denied", zip, session: viewer })).status).toBe(403);
    expect((await upload({ name: "denied", zip, origin: "http://evil.test" })).status).toBe(403);
    const body = streamedMultipart([["name", "x"]], { field: "package", filename: "x.zip", contentType: "application/zip", body: zip });
    const req = consoleRequest("/api/agents/nowhere/upload", { method: "POST", body: body.stream(), session: admin, headers: { "content-type": body.contentType } });
    expect((await uploadRoute.POST(req, { params: Promise.resolve({ agentId: "nowhere" }) })).status).toBe(404);
    await expect(agent.client().getService({ name: "denied" })).rejects.toSatisfy((e) => ConnectError.from(e).code === Code.NotFound);
  });
});

describe("streaming", () => {
  it("a browser that goes away mid-upload cancels the install; the agent keeps nothing", async () => {
    const big = streamedZip([{ name: "gone", ...script("exec sleep 600") }, { name: "blob.bin", size: 64 * 1024 * 1024 }]);
    const ac = new AbortController();
    const res = await upload({ name: "gone", zip: big, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the first phase line: the upload is under way
    ac.abort();
    await reader.cancel();
    await waitFor(() => agentLacksService(agent, "gone"), "the agent to forget the cancelled install");
    await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 0, "the staging dir to be empty");
  });

  it("a 200 MB package streams through with the console's memory flat", async () => {
    const SIZE = 200 * 1024 * 1024;
    const zip = streamedZip([{ name: "big", ...script("exec sleep 600") }, { name: "blob.bin", size: SIZE }]);
    // RSS against bytes read: a console that buffered would grow by about the bytes it read.
    let read = 0;
    let firstHalfPeak = 0;
    let secondHalfPeak = 0;
    const baseline = process.memoryUsage().rss;
    const sample = () => {
      const rss = process.memoryUsage().rss;
      if (read < SIZE / 2) firstHalfPeak = Math.max(firstHalfPeak, rss);
      else secondHalfPeak = Math.max(secondHalfPeak, rss);
    };
    const sampler = setInterval(sample, 20);
    try {
      const evs = await events(await upload({ name: "big", healthSeconds: "1", zip, tap: (n) => ((read += n), sample()) }));
      const r = result(evs);
      expect(r).toMatchObject({ ok: true, service: { name: "big", state: "running", sha256: zip.sha256() } });
      const sent = evs.filter((e): e is UploadPhaseEvent => e.type === "phase" && e.bytes !== undefined).map((e) => e.bytes!);
      expect(Math.max(...sent)).toBeGreaterThan(0); // progress was reported while bytes flowed
    } finally {
      clearInterval(sampler);
    }
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    const growth = Math.max(firstHalfPeak, secondHalfPeak) - baseline;
    const lateGrowth = secondHalfPeak - firstHalfPeak;
    console.log(`console RSS: baseline ${mib(baseline)}, peak +${mib(growth)}; second 100 MiB added ${mib(lateGrowth)}`);
    // A fixed warm-up cost (heap, buffers) is fine; growth with the bytes read is not.
    expect(growth, `peak RSS grew ${mib(growth)}`).toBeLessThan(SIZE / 3);
    expect(lateGrowth, `reading the second 100 MiB grew RSS by ${mib(lateGrowth)}`).toBeLessThan(SIZE / 8);
  });
});
