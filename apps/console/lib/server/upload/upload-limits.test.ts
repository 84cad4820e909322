// The size cap when the browser does not declare a length (chunked): the stream is cut at the
// cap, the agent discards what it got, and the result says why.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as uploadRoute from "@/app/api/agents/[agentId]/upload/route";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import type { UploadEvent } from "../../shared/types";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { streamedMultipart, streamedZip } from "../testing/streamed-zip";

const CAP = 1024 * 1024;
const env = setupConsoleTestEnv({ SYSWARD_MAX_UPLOAD_BYTES: String(CAP) });
let agent: TestAgent;
let admin: string;

beforeAll(async () => {
  agent = await env.startAgent();
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
});
afterAll(() => env.cleanup());

describe("upload size cap", () => {
  it("a chunked upload over the cap ends with a resource_exhausted result and leaves nothing at the agent", async () => {
    const zip = streamedZip([{ name: "blob.bin", size: 3 * CAP }]);
    const body = streamedMultipart([["name", "toobig"]], { field: "package", filename: "toobig.zip", contentType: "application/zip", body: zip });
    const req = consoleRequest("/api/agents/local/upload", { method: "POST", body: body.stream(), session: admin, headers: { "content-type": body.contentType } });
    const res = await uploadRoute.POST(req, { params: Promise.resolve({ agentId: "local" }) });
    expect(res.status).toBe(200);
    const evs = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as UploadEvent);
    expect(evs.at(-1)).toMatchObject({ type: "result", ok: false, code: "resource_exhausted", message: expect.stringContaining("SYSWARD_MAX_UPLOAD_BYTES") });
    await waitFor(
      () =>
        agent.client().getService({ name: "toobig" }).then(
          () => false,
          (e: unknown) => ConnectError.from(e).code === Code.NotFound,
        ),
      "the agent to drop the cut-off install",
    );
    await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 0, "the staging dir to be empty");
  });

  it("a file of exactly the cap is accepted by the console", async () => {
    // The agent gets every byte; whether it is a valid package is then the agent's call.
    const overhead = streamedZip([{ name: "blob.bin", size: 0 }]).size;
    const exact = streamedZip([{ name: "blob.bin", size: CAP - overhead }]);
    expect(exact.size).toBe(CAP);
    const body = streamedMultipart([["name", "exact"]], { field: "package", filename: "exact.zip", contentType: "application/zip", body: exact });
    const req = consoleRequest("/api/agents/local/upload", { method: "POST", body: body.stream(), session: admin, headers: { "content-type": body.contentType } });
    const evs = (await (await uploadRoute.POST(req, { params: Promise.resolve({ agentId: "local" }) })).text()).trimEnd().split("\n").map((l) => JSON.parse(l) as UploadEvent);
    // No executable inside: the agent refuses it for that reason, not for its size.
    expect(evs.at(-1)).toMatchObject({ type: "result", ok: false });
    expect(evs.at(-1)).not.toMatchObject({ code: "resource_exhausted" });
  });
});
