// 200 concurrent streams (100 WatchPerf, 100 Logs following a chatty service) whose clients stop
// reading and then vanish without a word (their sockets destroyed: no RST_STREAM, no GOAWAY),
// four rounds in a row, against the REAL agent. Afterwards its file descriptors are back to
// where they were (polled until they settle), it holds no watcher, and its memory shows no
// gross growth round after round.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService, ServiceState } from "@sysward/proto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellServiceZip } from "../install/testing/package-fixtures";
import { http2Get } from "../rpc/testing/raw-http2";
import { waitFor } from "../runtime/testing/wait-for";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import { fdCount, fdTargets, rssBytes, settledFdCount } from "./testing/proc-usage";

const NAME = "chatty";
const CONNECTIONS = 10;
const STREAMS_PER_CONNECTION = 20; // half WatchPerf, half Logs: 200 in all
// The first round warms the agent up (buffers, JIT); memory is compared from the second on.
const ROUNDS = 4;
// Bursts of 500 lines of ~210 bytes, five a second: a client that stops reading backs its
// Logs stream up within a burst, so the agent is mid-read of the log file when the client goes.
const CHATTY = `i=0; while :; do i=$((i+1)); printf 'line %s %0200d\\n' $i 0; [ $((i % 500)) -eq 0 ] && sleep 0.2; done`;

let agent: TestAgent;
let pid: number;

beforeAll(async () => {
  agent = await startTestAgent();
  pid = agent.process.pid!;
  const res = await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, CHATTY));
  expect(res.service?.state).toBe(ServiceState.RUNNING);
});

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

async function activeWatchers(): Promise<number> {
  const res = await http2Get(agent.socketPath, "/debug/vars", { authorization: `Bearer ${agent.token}` });
  return (JSON.parse(res.body) as { "perf-collector": { watchers: { active: number } } })["perf-collector"].watchers.active;
}

/** A gRPC client on its own connection, and a way to cut that connection dead. */
function connection(): { client: Client<typeof AgentService>; cut(): void } {
  const sockets: net.Socket[] = [];
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${agent.token}`);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: "http://localhost",
    interceptors: [bearer],
    nodeOptions: {
      createConnection: () => {
        const s = net.connect(agent.socketPath);
        sockets.push(s);
        return s;
      },
    },
  });
  return { client: createClient(AgentService, transport), cut: () => sockets.forEach((s) => s.destroy()) };
}

/** Opens every stream, takes one message from each, stops reading, then cuts every connection. */
async function round(): Promise<void> {
  const conns = Array.from({ length: CONNECTIONS }, connection);
  const streams = conns.flatMap(({ client }) =>
    Array.from({ length: STREAMS_PER_CONNECTION }, (_, i) =>
      (i % 2 === 0 ? client.watchPerf({}) : client.logs({ name: NAME, tailLines: 0, follow: true }))[Symbol.asyncIterator](),
    ),
  );
  // Swallow the errors the cut will cause on streams nobody reads any more.
  const firsts = streams.map((s) => s.next());
  await Promise.all(firsts);
  expect(await activeWatchers()).toBe((CONNECTIONS * STREAMS_PER_CONNECTION) / 2);
  // Let the unread Logs streams fill their flow-control windows.
  await new Promise((r) => setTimeout(r, 800));
  for (const c of conns) c.cut();
  await Promise.allSettled(streams.map((s) => s.next()));
}

/** "pipe ×11, /x/y.log ×100, ..." */
function summarise(targets: string[]): string {
  const counts = new Map<string, number>();
  for (const t of targets) {
    const k = t.replace(/\[\d+\]/, "");
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(", ");
}

describe("200 streams that disconnect abruptly", () => {
  it(`leak no file descriptor, watcher or memory over ${ROUNDS} rounds (${CONNECTIONS * STREAMS_PER_CONNECTION} streams each)`, async () => {
    // The agent holds no stream now: what it has open is its baseline.
    const baselineFds = fdCount(pid);
    const rss: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await round();
      await waitFor(async () => (await activeWatchers()) === 0, `no watcher left after round ${r + 1}`);
      const fds = await settledFdCount(pid, baselineFds, 15_000);
      expect(fds, `round ${r + 1}: ${fds} fds vs ${baselineFds} before: ${summarise(fdTargets(pid))}`).toBeLessThanOrEqual(baselineFds);
      rss.push(rssBytes(pid));
    }
    // The agent still serves, its service still runs, and connect-node logged no failed handler.
    expect((await agent.client().getService({ name: NAME })).service?.state).toBe(ServiceState.RUNNING);
    expect(agent.output()).not.toMatch(/handler for rpc .* failed/);
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(`stream churn: fds ${baselineFds} → ${fdCount(pid)}; RSS after each round ${rss.map(mib).join(", ")} MiB`);
    // Only gross growth shows in RSS (the heap grows in steps of tens of MiB before it settles);
    // a leaked stream is caught precisely above, by the fd it holds or the watcher it keeps.
    expect(rss.at(-1)! - rss[1]!, `RSS per round: ${rss.map(mib).join(", ")} MiB`).toBeLessThan(64 * 2 ** 20);
  });
});
