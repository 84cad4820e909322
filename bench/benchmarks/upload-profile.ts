// Where an upload's time goes: (1) the install's phases as the agent reports them, (2) each
// component of the path alone on the same file in the same run (read, sha256, busboy, the agent's
// staging writer and extractor, unzip, an Install straight to the agent's socket), and (3) CPU
// profiles (node --cpu-prof) of a console and an agent during one upload.
import { create } from "@bufbuild/protobuf";
import { InstallRequestSchema, ServiceState } from "@sysward/proto";
import busboy from "busboy";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { freePort } from "../../apps/agent/src/install/testing/package-fixtures";
import { writeStagingFile } from "../../apps/agent/src/install/staging-writer";
import { extractZip } from "../../apps/agent/src/install/zip-verify-extract";
import { startAgentRig } from "../lib/agent-rig";
import { startConsoleRig } from "../lib/console-rig";
import { uploadViaConsole } from "../lib/console-upload";
import type { BenchContext } from "../lib/context";
import { profilerClockUs, summarizeProfile, type ProfileSummary } from "../lib/cpu-profile";
import type { MixedZip } from "../lib/mixed-zip";
import type { Section } from "../lib/report";
import { median } from "../lib/stats";
import { fmtMB, fmtMs, fmtNumber, markdownTable } from "../lib/table";
import { stageMedians, UPLOAD_SERVICE, type UploadSizeResult } from "./upload";

const CHUNK = 256 * 1024;

async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** The body a browser sends: the fields, then the file in network-sized pieces, then the closing boundary. */
function multipartBody(zip: MixedZip, boundary: string): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\n${UPLOAD_SERVICE}\r\n` +
          `--${boundary}\r\ncontent-disposition: form-data; name="package"; filename="p.zip"\r\ncontent-type: application/zip\r\n\r\n`,
      );
      yield* createReadStream(zip.path, { highWaterMark: 64 * 1024 });
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    })(),
  );
}

async function busboyParse(zip: MixedZip): Promise<void> {
  const boundary = "----bench-boundary-7d3f";
  const bb = busboy({ headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
  const done = new Promise<void>((resolve, reject) => {
    bb.on("file", (_name, file) => file.resume());
    bb.on("close", resolve);
    bb.on("error", reject);
  });
  await pipeline(multipartBody(zip, boundary), bb);
  await done;
}

interface Component {
  what: string;
  ms: number[];
  cpuMs: number[];
  note: string;
}

async function components(ctx: BenchContext, zip: MixedZip, rounds: number): Promise<Component[]> {
  const dir = join(ctx.scratchDir, "components");
  const list: Component[] = [];
  const add = (what: string, note: string) => {
    const c: Component = { what, ms: [], cpuMs: [], note };
    list.push(c);
    return c;
  };
  const read = add("read the ZIP (fs stream, 256 KiB)", "page cache → process");
  const sha = add("sha256 of the ZIP", "node:crypto, streamed");
  const bb = add("busboy: parse the multipart body", "the console's parser alone, 64 KiB pieces");
  const stage = add("agent's writeStagingFile (write + sha256)", "apps/agent/src/install/staging-writer.ts");
  const sync = add("fsync of the staged file (the agent does not)", "what durability of the ZIP would cost");
  const extract = add("agent's extractZip (verify + extract)", "apps/agent/src/install/zip-verify-extract.ts, yauzl");
  const unzip = add("unzip -q of the same file", "Info-ZIP, the baseline's second half");
  const cp = add("cp of the ZIP", "the baseline's first half");
  const direct = add("Install RPC straight to the agent socket → running", "no console: Connect over h2c, 256 KiB chunks");
  for (let r = 0; r < rounds; r++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const note = (c: Component, t: { ms: number; cpuMs: number }) => {
      c.ms.push(t.ms);
      c.cpuMs.push(t.cpuMs);
    };
    note(read, await timed(async () => {
      for await (const _ of createReadStream(zip.path, { highWaterMark: CHUNK }));
    }));
    note(sha, await timed(async () => {
      const h = createHash("sha256");
      for await (const c of createReadStream(zip.path, { highWaterMark: CHUNK })) h.update(c as Buffer);
      h.digest();
    }));
    note(bb, await timed(() => busboyParse(zip)));
    const staged = join(dir, "staged.zip.part");
    note(stage, await timed(() => writeStagingFile(createReadStream(zip.path, { highWaterMark: CHUNK }), staged, { maxBytes: 8 * 1024 ** 3 })));
    note(sync, await timed(async () => {
      const fh = await open(staged, "r+");
      await fh.sync();
      await fh.close();
    }));
    note(extract, await timed(() => extractZip(staged, join(dir, "extracted"))));
    // Child processes: their CPU is not ours, so only the wall time is kept.
    const t0 = performance.now();
    if (spawnSync("unzip", ["-q", staged, "-d", join(dir, "unzipped")]).status !== 0) throw new Error("unzip failed");
    unzip.ms.push(performance.now() - t0);
    const t1 = performance.now();
    if (spawnSync("cp", [zip.path, join(dir, "copy.zip")]).status !== 0) throw new Error("cp failed");
    cp.ms.push(performance.now() - t1);
    rmSync(dir, { recursive: true, force: true });
    const t2 = performance.now();
    const res = await ctx.agent.client.install(
      (async function* () {
        yield create(InstallRequestSchema, { msg: { case: "header", value: { name: UPLOAD_SERVICE, healthSeconds: 0 } } });
        for await (const chunk of createReadStream(zip.path, { highWaterMark: CHUNK })) {
          yield create(InstallRequestSchema, { msg: { case: "chunk", value: chunk as Buffer } });
        }
      })(),
    );
    direct.ms.push(performance.now() - t2);
    if (res.service?.state !== ServiceState.RUNNING) throw new Error(`direct install answered ${res.service?.state}`);
  }
  return list;
}

function newestProfile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** A separate console + agent, started under --cpu-prof, take one upload of `zip`; their profiles during it. */
async function profiles(ctx: BenchContext, zip: MixedZip): Promise<{ console?: ProfileSummary; agent?: ProfileSummary; uploadMs: number }> {
  const base = join(ctx.runDir, "profile");
  const agentProf = join(base, "agent-prof");
  const consoleProf = join(base, "console-prof");
  const agent = await startAgentRig(ctx.procs, { dataDir: join(base, "agent-data"), fromSource: true, label: "profiled", nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${agentProf}`] });
  let uploadMs = NaN;
  const window = { fromUs: 0, toUs: 0 };
  try {
    const consoleRig = await startConsoleRig(ctx.procs, {
      port: await freePort(),
      agentDataDir: agent.dataDir,
      consoleDataDir: join(base, "console-data"),
      label: "profiled",
      nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${consoleProf}`],
    });
    try {
      window.fromUs = profilerClockUs();
      const res = await uploadViaConsole(consoleRig, UPLOAD_SERVICE, zip.path, 0);
      window.toUs = profilerClockUs();
      if (!res.ok) throw new Error(`profiled upload failed: ${JSON.stringify(res.result)}`);
      uploadMs = res.ms;
    } finally {
      await consoleRig.stop();
    }
  } finally {
    await agent.stop();
  }
  const c = newestProfile(consoleProf);
  const a = newestProfile(agentProf);
  const out = { console: c ? summarizeProfile(c, 12, window) : undefined, agent: a ? summarizeProfile(a, 12, window) : undefined, uploadMs };
  rmSync(join(base, "agent-data"), { recursive: true, force: true });
  return out;
}

function profileTables(who: string, p: ProfileSummary | undefined): string[] {
  if (!p) return [`No profile was written by the ${who}.`];
  return [
    `**${who}** — ${fmtNumber(p.totalMs / 1000)} s of main-thread samples during the upload:`,
    "",
    markdownTable(["area", "self time", "share"], p.areas.slice(0, 12).map((a) => [a.area, fmtMs(a.ms), `${fmtNumber((100 * a.ms) / p.totalMs)} %`])),
    "",
    markdownTable(["function (self time)", "where", "ms"], p.functions.map((f) => [f.name, f.where, fmtNumber(f.ms)])),
  ];
}

export async function uploadProfileBench(ctx: BenchContext, uploads: { base: UploadSizeResult; large: UploadSizeResult } | undefined): Promise<Section> {
  if (!uploads) throw new Error("the upload benchmark did not run, so there is nothing to profile");
  const zip = uploads.base.zip;
  const rounds = ctx.quick ? 1 : 3;
  const parts = await components(ctx, zip, rounds);
  await ctx.agent.client.remove({ name: UPLOAD_SERVICE }).catch(() => {});
  const prof = await profiles(ctx, zip);

  const s = stageMedians(uploads.base.rounds);
  const viaConsole = median(uploads.base.rounds.map((r) => r.uploadMs));
  const baseline = median(uploads.base.rounds.map((r) => r.baselineMs));
  const MB = zip.size / 1e6;
  const rate = (ms: number) => `${fmtNumber(MB / (ms / 1000))} MB/s`;
  const stageTable = markdownTable(
    ["stage (median of the upload rounds)", "time", "share", "rate over the ZIP's bytes"],
    [
      ["receiving: curl → console (busboy) → Install stream → agent staging file + sha256", fmtMs(s.receiving), `${fmtNumber((100 * s.receiving) / s.total)} %`, rate(s.receiving)],
      ["verifying + extracting (yauzl, crc32, write files; directory fsyncs)", fmtMs(s.verifying), `${fmtNumber((100 * s.verifying) / s.total)} %`, rate(s.verifying)],
      ["start the service, journal, answer", fmtMs(s.startToResult), `${fmtNumber((100 * s.startToResult) / s.total)} %`, "—"],
      ["total upload → running", fmtMs(s.total), "100 %", rate(s.total)],
      ["baseline: cp + unzip", fmtMs(baseline), "—", rate(baseline)],
    ],
  );
  const partTable = markdownTable(
    ["component, alone, same ZIP", "wall median", "CPU median", "rate", "note"],
    parts.map((c) => [c.what, fmtMs(median(c.ms)), c.cpuMs.length ? fmtMs(median(c.cpuMs)) : "—", rate(median(c.ms)), c.note]),
  );
  const direct = median(parts.find((p) => p.what.startsWith("Install RPC"))!.ms);
  return {
    id: "upload-profile",
    title: `Profile of the upload path (${fmtMB(zip.size)} ZIP)`,
    body: [
      "### Stages",
      "",
      stageTable,
      "",
      "### Each component alone (same file, same run; " + `${rounds} round${rounds > 1 ? "s" : ""})`,
      "",
      partTable,
      "",
      `Console overhead (upload through the console − Install straight to the agent from the benchmark's own Connect client): ` +
        `${fmtMs(viaConsole - direct)} (${fmtMs(viaConsole)} vs ${fmtMs(direct)}; within the noise when negative). ` +
        `CPU figures of in-process components include libuv's thread pool (fs, zlib, crypto work).`,
      "",
      "### CPU profiles during one upload",
      "",
      `A second console and agent (agent from source under tsx so that each package's files are named), both under \`node --cpu-prof\`, ` +
        `took one upload of the same ZIP (${fmtMs(prof.uploadMs)} with the profilers on).`,
      "",
      ...profileTables("console", prof.console),
      "",
      ...profileTables("agent", prof.agent),
    ].join("\n"),
    verdicts: [
      {
        benchmark: "Upload profile",
        target: "slowest stage",
        figure: s.verifying >= s.receiving ? `verifying + extracting, ${fmtMs(s.verifying)} of ${fmtMs(s.total)}` : `receiving, ${fmtMs(s.receiving)} of ${fmtMs(s.total)}`,
      },
    ],
  };
}
