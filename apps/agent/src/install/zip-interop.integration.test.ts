// ZIPs framed the way real-world writers frame them, sent through the REAL agent's Install RPC,
// with python3's zipfile as the outside judge. Where Python opens an archive and no other reader
// would take it for a different one, the agent installs exactly the files Python lists, byte for
// byte; where readers disagree, or Python refuses, the agent refuses with InvalidArgument naming
// the problem. What a prefix hides is still checked: hostile entries behind one stay refused.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { AgentService } from "@sysward/proto";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import { installVia } from "./testing/install-via";
import { shellBodies } from "./testing/package-fixtures";
import { killPackageProcesses } from "./testing/package-processes";
import { buildZip, type ZipEntrySpec } from "./testing/zip-builder";
import { endRecordOf, nestedWithCommentCutShort, sameOffsetPair, SFX_STUB, withBytesBeforeEndRecord, withCommentLength } from "./testing/zip-framings";

/** What python3's zipfile makes of a file: the files it lists with the sha256 of what it reads. */
type PythonVerdict = { opens: true; files: Record<string, string> } | { opens: false; error: string };

const PYTHON_JUDGE = `
import hashlib, json, sys, zipfile
try:
    with zipfile.ZipFile(sys.argv[1]) as z:
        files = {i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist() if not i.is_dir()}
    print(json.dumps({"opens": True, "files": files}))
except Exception as e:
    print(json.dumps({"opens": False, "error": f"{type(e).__name__}: {e}"}))
`;

let agent: TestAgent;
let client: Client<typeof AgentService>;
let work: string;

beforeAll(async () => {
  agent = await startTestAgent();
  client = agent.client("connect");
  work = mkdtempSync(join(tmpdir(), "sysward-zip-interop-"));
});

afterAll(async () => {
  await agent?.stop();
  if (agent) killPackageProcesses(join(agent.dataDir, "packages"));
  agent?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

function python(zip: Buffer, label: string): PythonVerdict {
  const path = join(work, `${label}.zip`);
  writeFileSync(path, zip);
  return JSON.parse(execFileSync("python3", ["-c", PYTHON_JUDGE, path], { encoding: "utf8" })) as PythonVerdict;
}

/** The installed version's files (relative path → sha256), as the agent extracted them. */
function installedFiles(name: string): Record<string, string> {
  const root = join(agent.dataDir, "packages", name, "current");
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(root);
  return out;
}

async function refusal(name: string, zip: Buffer): Promise<ConnectError> {
  const err = await installVia(client, { name, healthSeconds: 0 }, zip).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  return err as ConnectError;
}

/** A package: the executable (named like the package), a directory and two files, stored or deflated (`method`) but for one stored. */
function packageEntries(name: string, tag = "interop", method: "deflate" | "store" = "deflate"): ZipEntrySpec[] {
  return [
    { name, data: `#!/bin/sh\n${shellBodies.steady(tag)}\n`, mode: 0o100755, method },
    { name: "conf/", dir: true },
    { name: "conf/app.conf", data: `tag=${tag}\n`, method: "store" },
    { name: "data/blob.txt", data: Array.from({ length: 2000 }, (_, i) => `${tag} line ${i}\n`).join(""), method },
  ];
}

describe("archives Python's zipfile opens unambiguously are installed with exactly the files it lists", () => {
  const cases: Array<[string, (name: string) => Buffer]> = [
    ["a shell-script stub in front, offsets counted from the archive (cat stub.sh pkg.zip)", (n) => Buffer.concat([SFX_STUB, buildZip(packageEntries(n))])],
    [
      "a self-extractor stub in front, offsets adjusted by Info-ZIP's zip -A",
      (n) => {
        const path = join(work, `${n}-sfx.zip`);
        writeFileSync(path, Buffer.concat([SFX_STUB, buildZip(packageEntries(n))]));
        execFileSync("zip", ["-qA", path]);
        return readFileSync(path);
      },
    ],
    ["bytes after the end record (padding added in transit)", (n) => Buffer.concat([buildZip(packageEntries(n)), Buffer.alloc(1000)])],
    ["an end-record comment length one too long (the file ends a byte early)", (n) => withCommentLength(buildZip(packageEntries(n), { comment: "built by ci" }), 12)],
    ["an end-record comment length one too short (a byte after the comment)", (n) => withCommentLength(buildZip(packageEntries(n), { comment: "built by ci" }), 10)],
  ];

  it.each(cases.map(([label, make], i) => ({ label, make, name: `interop${i}` })))("$label", async ({ label, make, name }) => {
    const zip = make(name);
    const judged = python(zip, name);
    expect(judged, label).toMatchObject({ opens: true });
    const res = await installVia(client, { name, healthSeconds: 0 }, zip);
    expect(res.service?.version?.id).toMatch(/^1-/);
    expect(installedFiles(name)).toEqual((judged as { files: Record<string, string> }).files);
    // The stub itself is no part of the package.
    expect(Object.keys(installedFiles(name)).sort()).toEqual(["conf/app.conf", "data/blob.txt", name].sort());
  });

});

describe("archives that ZIP readers would read differently, or that Python refuses, are refused with the reason", () => {
  it("two archives back to back whose directories both read (Python takes the second, Go the first)", async () => {
    // Same-length contents, stored: both archives' records line up byte for byte.
    const zip = sameOffsetPair(packageEntries("interopamb", "alpha", "store"), packageEntries("interopamb", "omega", "store"));
    const judged = python(zip, "interopamb");
    expect(judged).toMatchObject({ opens: true });
    const err = await refusal("interopamb", zip);
    expect(err.rawMessage).toMatch(/package is ambiguous: its central directory reads both at byte \d+ \(offsets from the file's start\) and at byte \d+ \(offsets from an archive after a \d+-byte prefix\)/);
  });

  it("an end record whose comment runs past the file, after an inner archive's end record (Python reads the outer archive, Go the inner)", async () => {
    const zip = nestedWithCommentCutShort(packageEntries("interopnest", "outer"), packageEntries("interopnest", "inner"));
    const judged = python(zip, "interopnest");
    expect(judged).toMatchObject({ opens: true });
    expect(Object.keys((judged as { files: Record<string, string> }).files)).toContain("inner.zip");
    expect((await refusal("interopnest", zip)).rawMessage).toMatch(/package is ambiguous: it has end records at bytes \d+ and \d+/);
  });

  it("stray bytes between the central directory and the end record", async () => {
    const zip = withBytesBeforeEndRecord(buildZip(packageEntries("interopgap")), Buffer.alloc(16, 0x20));
    expect(python(zip, "interopgap")).toMatchObject({ opens: false, error: expect.stringMatching(/BadZipFile/) });
    expect((await refusal("interopgap", zip)).rawMessage).toMatch(/package is not a valid ZIP archive \(16 stray bytes lie between its central directory and its end record\)/);
  });

  it("more than 64 KiB after the end record, where no reader looks for it", async () => {
    const zip = Buffer.concat([buildZip(packageEntries("interopfar")), Buffer.alloc(70_000)]);
    expect(python(zip, "interopfar")).toMatchObject({ opens: false, error: expect.stringMatching(/not a zip file/) });
    expect((await refusal("interopfar", zip)).rawMessage).toMatch(/package is not a valid ZIP archive \(no end-of-central-directory record in its last 64 KiB\)/);
  });

  it("a stub in front and a directory offset off by 7: the entries are not where the directory says", async () => {
    // The directory is found (from where it must end), but every local header offset misses by 7 bytes.
    const shifted = Buffer.concat([SFX_STUB, buildZip(packageEntries("interopoff"))]);
    const end = endRecordOf(shifted);
    shifted.writeUInt32LE(shifted.readUInt32LE(end + 16) + 7, end + 16);
    expect(python(shifted, "interopoff")).toMatchObject({ opens: false, error: expect.stringMatching(/Bad magic number for file header/) });
    expect((await refusal("interopoff", shifted)).rawMessage).toMatch(/package entry "interopoff": damaged local header/);
  });

  it("an end record placing its directory past itself", async () => {
    const zip = buildZip(packageEntries("interoppast"));
    const end = endRecordOf(zip);
    zip.writeUInt32LE(zip.readUInt32LE(end + 16) + 5, end + 16);
    expect(python(zip, "interoppast")).toMatchObject({ opens: false });
    expect((await refusal("interoppast", zip)).rawMessage).toMatch(/package is not a valid ZIP archive \(its end record places a \d+-byte central directory at byte \d+, which runs past the end record\)/);
  });
});

describe("hostile entries behind a prefix are refused as without one", () => {
  it.each([
    ["path traversal", { name: "../evil", data: "pwned" }, /package entry "\.\.\/evil": .*escapes/],
    ["an entry whose local header names another file (overlap)", { name: "a", localName: "b", data: "x" }, /package entry "a": .*local header/],
    ["a zip bomb", { name: "bomb", data: Buffer.alloc(8 * 1024 * 1024) }, /package entry "bomb": .*ratio above 1000:1/],
  ] as const)("%s", async (_what, hostile, message) => {
    const zip = Buffer.concat([SFX_STUB, buildZip([...packageEntries("interophostile"), hostile])]);
    expect((await refusal("interophostile", zip)).rawMessage).toMatch(message);
  });
});
