// A large mixed ZIP uploaded through the console (logged in, multipart, curl) until the service
// runs, against `cp` of the ZIP + `unzip` into a fresh directory (hyperfine, one run per round),
// rounds interleaved and their order alternated. Peak RSS of the console and the agent per upload:
// VmHWM (reset through /proc/PID/clear_refs before each upload) and VmRSS sampled every 100 ms.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { uploadViaConsole } from "../lib/console-upload";
import type { BenchContext } from "../lib/context";
import { hyperfineOnce } from "../lib/load-tools";
import { mixedZip, type MixedZip } from "../lib/mixed-zip";
import { pollPhases, type PhaseTimes } from "../lib/phase-poller";
import { memory, processTree, resetPeakRss, sampleRss } from "../lib/proc-stats";
import type { Section, Verdict } from "../lib/report";
import { median, pairedRatio, summarize } from "../lib/stats";
import { fmtMB, fmtMs, fmtNumber, fmtRatio, fmtSpread, markdownTable } from "../lib/table";

export interface UploadRound {
  uploadMs: number;
  baselineMs: number;
  phases: PhaseTimes;
  agentPeak: number;
  consolePeak: number;
  agentSampledMax: number;
  consoleSampledMax: number;
}

export interface UploadSizeResult {
  zip: MixedZip;
  rounds: UploadRound[];
}

export const UPLOAD_SERVICE = "bigpkg";

async function baseline(ctx: BenchContext, zip: MixedZip): Promise<number> {
  const dir = join(ctx.scratchDir, "cp-unzip");
  try {
    const s = await hyperfineOnce(`cp ${zip.path} ${dir}/package.zip && unzip -q ${dir}/package.zip -d ${dir}/out`, `rm -rf ${dir} && mkdir -p ${dir}`, ctx.scratchDir);
    return s * 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function upload(ctx: BenchContext, zip: MixedZip): Promise<Omit<UploadRound, "baselineMs">> {
  const consolePids = processTree(ctx.console.pid);
  for (const pid of [ctx.agent.pid, ...consolePids]) resetPeakRss(pid);
  const agentRss = sampleRss(() => [ctx.agent.pid]);
  const consoleRss = sampleRss(() => consolePids);
  const t0 = performance.now();
  const phases = pollPhases(ctx.agent.client, UPLOAD_SERVICE, t0);
  const res = await uploadViaConsole(ctx.console, UPLOAD_SERVICE, zip.path, 0).catch((err: unknown) => err as Error);
  const a = agentRss.stop();
  const c = consoleRss.stop();
  const seen = await phases.stop();
  if (res instanceof Error) throw res;
  if (!res.ok) throw new Error(`upload of ${zip.path} did not end with the service running: ${JSON.stringify(res.result)}`);
  const state = (res.result.service as { state?: string } | undefined)?.state;
  if (state !== "running") throw new Error(`upload answered state ${state}, not running`);
  return {
    uploadMs: res.ms,
    phases: { ...seen, running: seen.running ?? res.ms },
    agentPeak: memory(ctx.agent.pid)?.peakRss ?? NaN,
    consolePeak: consolePids.reduce((sum, pid) => sum + (memory(pid)?.peakRss ?? 0), 0),
    agentSampledMax: a.max,
    consoleSampledMax: c.max,
  };
}

async function measureSize(ctx: BenchContext, zip: MixedZip, rounds: number): Promise<UploadSizeResult> {
  const out: UploadRound[] = [];
  for (let r = 0; r < rounds; r++) {
    ctx.log(`  ${fmtMB(zip.size)} round ${r + 1}/${rounds}`);
    let b: number;
    let u: Omit<UploadRound, "baselineMs">;
    if (r % 2 === 0) {
      b = await baseline(ctx, zip);
      u = await upload(ctx, zip);
    } else {
      u = await upload(ctx, zip);
      b = await baseline(ctx, zip);
    }
    out.push({ ...u, baselineMs: b });
  }
  return { zip, rounds: out };
}

/**
 * Median time spent in each stage (ms). Stage ends are the first poll that saw a later phase;
 * a phase shorter than the poll interval may never be seen, so each end is the earliest later phase.
 */
export function stageMedians(rounds: UploadRound[]) {
  const perRound = rounds.map((r) => {
    const p = r.phases;
    const received = Math.min(p.verifying ?? Infinity, p.starting ?? Infinity, p.health ?? Infinity, p.running ?? Infinity, r.uploadMs);
    const extracted = Math.min(p.starting ?? Infinity, p.health ?? Infinity, p.running ?? Infinity, r.uploadMs);
    return { receiving: received, verifying: extracted - received, startToResult: r.uploadMs - extracted, total: r.uploadMs };
  });
  return {
    receiving: median(perRound.map((r) => r.receiving)),
    verifying: median(perRound.map((r) => r.verifying)),
    startToResult: median(perRound.map((r) => r.startToResult)),
    total: median(perRound.map((r) => r.total)),
  };
}

export async function uploadBench(ctx: BenchContext): Promise<{ section: Section; base: UploadSizeResult; large: UploadSizeResult }> {
  const MiB = 1024 * 1024;
  const baseZip = mixedZip((ctx.quick ? 50 : 200) * MiB, undefined, ctx.log);
  const largeZip = mixedZip((ctx.quick ? 200 : 1024) * MiB, undefined, ctx.log);
  try {
    // One untimed upload first: the first install of a name creates its directories.
    await upload(ctx, baseZip);
    const base = await measureSize(ctx, baseZip, ctx.quick ? 3 : 5);
    const large = await measureSize(ctx, largeZip, ctx.quick ? 1 : 2);

    const rows = [base, large].map(({ zip, rounds }) => {
      const up = summarize(rounds.map((r) => r.uploadMs));
      const bl = summarize(rounds.map((r) => r.baselineMs));
      const ratio = pairedRatio(rounds.map((r) => r.uploadMs), rounds.map((r) => r.baselineMs));
      return [
        `${fmtMB(zip.size)} (${zip.entries} entries, ${fmtMB(zip.uncompressedBytes)} extracted)`,
        rounds.length,
        fmtSpread(up.median / 1000, up.min / 1000, up.max / 1000, "s"),
        fmtSpread(bl.median / 1000, bl.min / 1000, bl.max / 1000, "s"),
        fmtRatio(ratio.median, ratio.min, ratio.max),
        `${fmtNumber(zip.size / 1e6 / (up.median / 1000))} MB/s`,
        fmtMB(Math.max(...rounds.map((r) => r.consolePeak))),
        fmtMB(Math.max(...rounds.map((r) => r.agentPeak))),
      ];
    });
    const stageRows = [base, large].map(({ zip, rounds }) => {
      const s = stageMedians(rounds);
      return [fmtMB(zip.size), fmtMs(s.receiving), fmtMs(s.verifying), fmtMs(s.startToResult), fmtMs(s.total)];
    });
    const ratio = pairedRatio(base.rounds.map((r) => r.uploadMs), base.rounds.map((r) => r.baselineMs));
    const peak = (s: UploadSizeResult, k: "agentPeak" | "consolePeak") => Math.max(...s.rounds.map((r) => r[k]));
    const flat = (k: "agentPeak" | "consolePeak") => {
      const grow = peak(large, k) - peak(base, k);
      return { grow, ok: grow <= Math.max(0.1 * peak(base, k), 10e6) };
    };
    const verdicts: Verdict[] = [
      {
        benchmark: `Upload ${fmtMB(base.zip.size)} → running`,
        target: "≤ 1.2× cp + unzip",
        figure: `${fmtRatio(ratio.median, ratio.min, ratio.max)} (${fmtNumber(median(base.rounds.map((r) => r.uploadMs)) / 1000)} s vs ${fmtNumber(median(base.rounds.map((r) => r.baselineMs)) / 1000)} s)`,
        met: ratio.median <= 1.2,
      },
    ];
    for (const [k, who] of [["consolePeak", "console"], ["agentPeak", "agent"]] as const) {
      verdicts.push({ benchmark: `Upload ${fmtMB(large.zip.size)}`, target: `${who} peak RSS < 200 MB`, figure: fmtMB(peak(large, k)), met: peak(large, k) < 200e6 });
      const f = flat(k);
      verdicts.push({
        benchmark: `Upload ${fmtMB(base.zip.size)} → ${fmtMB(large.zip.size)}`,
        target: `${who} peak RSS flat in file size (grows ≤ 10 % or 10 MB)`,
        figure: `${fmtMB(peak(base, k))} → ${fmtMB(peak(large, k))} (${f.grow >= 0 ? "+" : ""}${fmtMB(f.grow)})`,
        met: f.ok,
      });
    }
    const section: Section = {
      id: "upload",
      title: "Upload through the console → service running, vs cp + unzip",
      body: [
        `Mixed ZIPs (about 70 % of the bytes incompressible and stored, 30 % text deflated ~4:1, many small files and some large; ` +
          `\`bench/lib/mixed-zip.ts\`). Upload: curl, multipart (name, healthSeconds=0, then the file), logged-in session cookie and Origin, ` +
          `timed until the NDJSON answer ends with \`{"type":"result","ok":true}\` (service running). Baseline: hyperfine, one run per round, ` +
          `\`cp\` of the ZIP + \`unzip -q\` into a fresh directory on the same filesystem (neither side fsyncs file data). ` +
          `Rounds alternate which goes first; the ratio is the median of per-round ratios (min–max). One untimed upload first. ` +
          `Peak RSS: VmHWM after each upload, reset before it through /proc/PID/clear_refs (the console counts its whole process tree).`,
        "",
        markdownTable(["ZIP", "rounds", "upload → running", "cp + unzip", "ratio", "upload rate", "console peak RSS", "agent peak RSS"], rows),
        "",
        "Where the upload's time goes (median ms from the first byte; phases seen by polling GetService on the agent every 100 ms):",
        "",
        markdownTable(["ZIP", "receiving (console → agent → staging file)", "verifying + extracting", "start + answer", "total"], stageRows),
      ].join("\n"),
      verdicts,
    };
    return { section, base, large };
  } finally {
    await ctx.agent.client.remove({ name: UPLOAD_SERVICE }).catch(() => {});
  }
}
