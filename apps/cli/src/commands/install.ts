// `sysward install <agent> <name> <zip> [--health N]`: streams the ZIP as multipart to the
// console's upload route (never whole in memory), shows the upload's progress on a terminal, then
// the install's phases as the console reports them (NDJSON), then the result. A failed install
// exits non-zero with the agent's message and the service's last log lines.
import { createReadStream } from "node:fs";
import { access, constants, stat } from "node:fs/promises";
import { basename } from "node:path";
import { CliError, innermostMessage, unreachable, usageError } from "../cli-error";
import { loadCredentials } from "../config";
import { ConsoleClient, errorFromResponse } from "../console-client";
import { ExitCode, connectCodeFromName, exitCodeForConnectCode } from "../exit-codes";
import { multipartBody } from "../multipart-body";
import { ndjsonObjects } from "../ndjson-lines";
import { formatProgress } from "../output";
import { streamedPost, toFetchResponse } from "../streamed-post";
import type { CommandContext } from "./command-context";

/** Larger reads than fs's 64 KiB default: fewer, bigger writes to the socket. */
const READ_CHUNK_BYTES = 256 * 1024;
const STATUS_EVERY_MS = 100;

interface InstallTarget {
  agent: string;
  name: string;
  zip: string;
  healthSeconds?: number;
}

interface ResultEvent {
  type: "result";
  ok: boolean;
  service?: { name?: string; version?: string; state?: string; pids?: number[] };
  previousVersion?: string;
  code?: string;
  message?: string;
  logLines?: string[];
  previousStillRunning?: boolean;
}

/** The ZIP's size; a usage error (exit 2) naming why when it cannot be read. */
export async function checkZip(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw usageError(`${path} is not a regular file`);
    await access(path, constants.R_OK);
    return st.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}`);
  }
}

export function successText(agent: string, event: ResultEvent): string {
  const s = event.service ?? {};
  const pids = s.pids?.length ? `, pid ${s.pids.join(",")}` : "";
  const replaced = event.previousVersion ? ` (replaced ${event.previousVersion})` : "";
  return `installed ${s.name ?? "?"} on agent ${agent}: ${s.state ?? "?"}, version ${s.version ?? "?"}${pids}${replaced}`;
}

export function failureError(target: InstallTarget, event: ResultEvent): CliError {
  const code = event.code ? connectCodeFromName(event.code) : undefined;
  const exitCode = code === undefined ? ExitCode.Failure : exitCodeForConnectCode(code);
  const details: string[] = [];
  if (event.logLines?.length) details.push("last log lines:", ...event.logLines.map((l) => `  ${l}`));
  if (event.previousStillRunning) details.push("the previous version is still running");
  const why = event.code ? ` (${event.code})` : "";
  return new CliError(exitCode, `install of ${target.name} on agent ${target.agent} failed${why}: ${event.message ?? "no reason given"}`, details);
}

export async function install(ctx: CommandContext, target: InstallTarget): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const size = await checkZip(target.zip);
  const fields: Array<[string, string]> = [["name", target.name]];
  if (target.healthSeconds !== undefined) fields.push(["healthSeconds", String(target.healthSeconds)]);
  // The file part carries no length: sizeBytes lets the console refuse an oversized package
  // before reading it and tells the agent the size (multipartBody fails if the file changes).
  fields.push(["sizeBytes", String(size)]);
  const body = multipartBody(fields, {
    field: "package",
    filename: basename(target.zip),
    contentType: "application/zip",
    size,
    open: () => createReadStream(target.zip, { highWaterMark: READ_CHUNK_BYTES }),
  });

  const label = basename(target.zip);
  let lastStatus = 0;
  const showProgress = (sent: number) => {
    const now = Date.now();
    if (sent < body.contentLength && now - lastStatus < STATUS_EVERY_MS) return;
    lastStatus = now;
    ctx.out.status(`uploading ${label}: ${formatProgress(sent, body.contentLength)}`);
  };
  let readError: Error | undefined;
  const chunks = (async function* () {
    let sent = 0;
    try {
      for await (const chunk of body.chunks()) {
        yield chunk;
        sent += chunk.byteLength;
        showProgress(sent);
      }
    } catch (err) {
      readError = err as Error;
      throw err;
    }
  })();
  showProgress(0);

  const client = new ConsoleClient(creds);
  let phase = "";
  let sawPastReceiving = false;
  try {
    const post = streamedPost(
      client.url(`/api/agents/${encodeURIComponent(target.agent)}/upload`),
      { ...client.headers(), "content-type": body.contentType, "content-length": String(body.contentLength), accept: "application/x-ndjson" },
      chunks,
      ctx.signal,
    );
    const res = await post.response.catch((err: unknown) => {
      throw readError ?? unreachable(creds.url, err) ?? err;
    });
    if (res.statusCode !== 200) throw await errorFromResponse(await toFetchResponse(res), `uploading ${label} to agent ${target.agent}`);

    for await (const event of ndjsonObjects(res)) {
      ctx.out.data(event);
      if (event.type === "phase") {
        const name = String(event.phase);
        const detail = String(event.detail ?? "");
        if (name !== "receiving") sawPastReceiving = true;
        // Our own byte count is the better progress while the console is still receiving.
        if (name === "receiving" && typeof event.bytes === "number" && event.bytes > 0) continue;
        if (name !== phase) {
          phase = name;
          ctx.out.note(`${name.padEnd(11)} ${detail}`);
        } else {
          ctx.out.status(`${name.padEnd(11)} ${detail}`);
        }
      } else if (event.type === "result") {
        ctx.out.clearStatus();
        const result = event as unknown as ResultEvent;
        if (!result.ok) throw failureError(target, result);
        ctx.out.result(successText(target.agent, result));
        return;
      }
    }
    throw new CliError(ExitCode.Failure, `the console ended its answer before the install's result: see \`sysward ls ${target.agent}\``);
  } catch (err) {
    ctx.out.clearStatus();
    if (ctx.signal.aborted) {
      throw new CliError(
        ExitCode.Interrupted,
        sawPastReceiving
          ? `interrupted: the agent already had the whole package, so the install runs to its end; see \`sysward ls ${target.agent}\``
          : "interrupted: the upload was cancelled and the agent keeps nothing",
      );
    }
    if (readError) throw new CliError(ExitCode.Failure, `reading ${target.zip} failed: ${readError.message}`);
    if (err instanceof CliError) throw err;
    // The answer stream broke: the console went away mid-install.
    throw new CliError(ExitCode.Unreachable, `the connection to the console broke during the install (${innermostMessage(err)}); see \`sysward ls ${target.agent}\``);
  }
}
