// A stand-in agent for supervisor-runtime.test.ts: starts one service, prints its handle as
// one JSON line, then idles until the test kills it with SIGKILL (an agent crash).
import { readFileSync } from "node:fs";
import { SupervisorRuntime } from "../supervisor-runtime";

const [stateDir, specFile] = process.argv.slice(2);
if (!stateDir || !specFile) throw new Error("usage: agent-that-starts-a-service STATE_DIR SPEC_JSON");
const runtime = new SupervisorRuntime({ stateDir, sandbox: "off" });
const handle = await runtime.start(JSON.parse(readFileSync(specFile, "utf8")));
process.stdout.write(`${JSON.stringify(handle)}\n`);
setInterval(() => undefined, 60_000);
