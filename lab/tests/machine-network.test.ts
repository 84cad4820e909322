// The lab's own fault tools, checked against the real thing: a machine's cable pulled and plugged
// back (what fleet and rollout fault tests rely on), and machines that reach each other and the
// host's forwarded loopback server but nothing the host does not forward.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labSkipReason } from "../src/availability";
import { forwardToLoopback } from "../src/forward";
import { LabMachine } from "../src/machine";
import { HOST_ADDRESS } from "../src/settings";

const skip = labSkipReason();

/** What `url` answers from inside `m` (node's fetch with a short timeout), or the error's name. */
async function fetchFrom(m: LabMachine, url: string): Promise<string> {
  const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((t) => process.stdout.write("ok " + t), (e) => process.stdout.write("error " + (e.cause?.code ?? e.name)))`;
  return (await m.exec(["node", "-e", script])).stdout;
}

describe.skipIf(skip)(`lab machines on their network${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let a: LabMachine;
  let b: LabMachine;
  const server = createServer((_req, res) => res.end("from the host"));

  beforeAll(async () => {
    [a, b] = await Promise.all([LabMachine.boot({ hostname: "lab-a" }), LabMachine.boot({ hostname: "lab-b" })]);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  }, 180_000);

  afterAll(async () => {
    server.close();
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it("a machine reaches another by its address, and the host's loopback server only through a forward", async () => {
    expect(a.address).not.toBe(b.address);
    // b serves on its lab address, as a service or an agent listener would.
    await b.exec(["systemd-run", "--unit=lab-echo", "node", "-e", `require("node:http").createServer((q, s) => s.end("from b")).listen(8000, "${b.address}")`]);
    await expect.poll(() => fetchFrom(a, `http://${b.address}:8000/`), { timeout: 10_000 }).toBe("ok from b");

    const port = (server.address() as AddressInfo).port;
    expect(await fetchFrom(a, `http://${HOST_ADDRESS}:${port}/`)).toMatch(/^error /);
    const forward = await forwardToLoopback(port);
    try {
      expect(await fetchFrom(a, `http://${forward.address}/`)).toBe("ok from the host");
    } finally {
      await forward.close();
    }
  });

  it("a pulled cable cuts the machine off until it is plugged back in", async () => {
    await b.setNetwork(false);
    expect(await fetchFrom(a, `http://${b.address}:8000/`)).toMatch(/^error /);
    await b.setNetwork(true);
    await expect.poll(() => fetchFrom(a, `http://${b.address}:8000/`), { timeout: 10_000 }).toBe("ok from b");
  });
});
