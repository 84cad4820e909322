// The fleet simulator as its own process (so its CPU is not the console's, nor the benchmark's):
// `node --import tsx bench/fleet-sim-process.ts --count N --dir D --token T --control-port P`.
// Serves N simulated machines (lib/fleet-sim.ts) and takes orders on 127.0.0.1:P:
// POST /fail/<i>, /recover/<i>, /down/<i>, /up/<i>. Prints "fleet-sim ready" when listening.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { startSimFleet } from "./lib/fleet-sim";

const { values } = parseArgs({ options: { count: { type: "string" }, dir: { type: "string" }, token: { type: "string" }, "control-port": { type: "string" } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || !values.dir || !values.token || !values["control-port"]) throw new Error("usage: --count N --dir D --token T --control-port P");
const fleet = await startSimFleet({ count, dir: values.dir, token: values.token });

const control = createServer((req, res) => {
  const m = /^\/(fail|recover|down|up)\/(\d+)$/.exec(req.url ?? "");
  if (req.method !== "POST" || !m) {
    res.writeHead(404).end();
    return;
  }
  const i = Number(m[2]);
  const act = m[1] === "fail" ? fleet.setFailed(i, true) : m[1] === "recover" ? fleet.setFailed(i, false) : m[1] === "down" ? fleet.down(i) : fleet.up(i);
  Promise.resolve(act).then(
    () => res.writeHead(200).end("ok"),
    (err: unknown) => res.writeHead(500).end(String(err)),
  );
});
control.listen(Number(values["control-port"]), "127.0.0.1", () => console.log(`fleet-sim ready: ${count} machines`));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    control.close();
    void fleet.close().finally(() => process.exit(0));
  });
}
