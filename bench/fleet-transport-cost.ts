// `node --import tsx bench/fleet-transport-cost.ts [--connections 1000]`: what one agent connection
// costs the console's process in memory, by transport, since bench:fleet's simulator speaks h2c
// over Unix sockets and a real fleet speaks HTTP/2 over mutual TLS (or inside SSH channels).
// A server process accepts; a client process (the console's stand-in, measured) opens N HTTP/2
// sessions, each holding two streams open as the fleet monitor's WatchPerf and WatchServices do,
// then reports its VmRSS / RssAnon and V8 heap before and after (after a full GC). Transports:
//   unix    h2c on a Unix socket (what bench:fleet measures)
//   tls     mutual TLS, a SecureContext per connection (tls.connect with ca/cert/key each time)
//   tls-shared  mutual TLS, one SecureContext for every connection
// Certificates: a throwaway CA, server and client certificate made with the openssl CLI.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { connections: { type: "string", default: "1000" }, role: { type: "string" }, transport: { type: "string" }, dir: { type: "string" }, port: { type: "string" } } });
const N = Number(values.connections);

function memory(): { rss: number; anon: number; heap: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), heap: process.memoryUsage().heapUsed };
}

async function settle(): Promise<ReturnType<typeof memory>> {
  for (let k = 0; k < 3; k++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  return memory();
}

async function server(dir: string): Promise<void> {
  const handler = (stream: http2.ServerHttp2Stream) => {
    // A long-lived answer, as WatchPerf is: headers and one small message, then nothing.
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.write(Buffer.alloc(64));
    stream.on("error", () => {});
  };
  const h2c = http2.createServer();
  h2c.on("stream", handler);
  await new Promise<void>((r) => h2c.listen(join(dir, "h2c.sock"), r));
  const secure = http2.createSecureServer({ key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.crt")), ca: readFileSync(join(dir, "ca.crt")), requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" });
  secure.on("stream", handler);
  await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
  process.stdout.write(`port ${(secure.address() as net.AddressInfo).port}\n`);
}

async function client(transport: string, dir: string, port: number): Promise<void> {
  const read = (f: string) => readFileSync(join(dir, f));
  const shared = tls.createSecureContext({ ca: read("ca.crt"), cert: read("client.crt"), key: read("client.key"), minVersion: "TLSv1.3" });
  const connect = (): net.Socket => {
    if (transport === "unix") return net.connect(join(dir, "h2c.sock"));
    const base = { host: "127.0.0.1", port, ALPNProtocols: ["h2"], servername: "localhost" };
    if (transport === "tls-shared") return tls.connect({ ...base, secureContext: shared });
    return tls.connect({ ...base, ca: read("ca.crt"), cert: read("client.crt"), key: read("client.key"), minVersion: "TLSv1.3" });
  };
  const before = await settle();
  const sessions: http2.ClientHttp2Session[] = [];
  for (let i = 0; i < N; i++) {
    const s = http2.connect(transport === "unix" ? "http://localhost" : `https://localhost:${port}`, { createConnection: connect });
    s.on("error", () => {});
    const open = (path: string) =>
      new Promise<void>((resolve, reject) => {
        const st = s.request({ ":method": "POST", ":path": path, "content-type": "application/grpc" }, { endStream: false });
        st.on("error", reject);
        st.once("data", () => resolve());
      });
    await Promise.all([open("/watch-perf"), open("/watch-services")]);
    sessions.push(s);
  }
  const after = await settle();
  process.stdout.write(JSON.stringify({ transport, before, after }) + "\n");
  for (const s of sessions) s.destroy();
  process.exit(0);
}

function makeCertificates(dir: string): void {
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=bench CA", "-days", "1");
  for (const who of ["server", "client"]) {
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who === "server" ? "localhost" : "console"}`);
    writeFileSync(join(dir, `${who}.ext`), who === "server" ? "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
    ossl("x509", "-req", "-in", `${who}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${who}.crt`, "-days", "1", "-extfile", `${who}.ext`);
  }
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")}: exit ${code}`))));
  });
}

if (values.role === "server") await server(values.dir!);
else if (values.role === "client") await client(values.transport!, values.dir!, Number(values.port));
else {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "sysward-transport-cost-"));
  try {
    makeCertificates(dir);
    const srv = spawn(process.execPath, ["--import", "tsx", import.meta.filename, "--role", "server", "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<number>((resolve) => srv.stdout.on("data", (d: Buffer) => { const m = /port (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); }));
    const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    console.log(`| transport (${N} connections, 2 open streams each) | RSS per connection | RssAnon per connection | V8 heap per connection |`);
    console.log("|---|---|---|---|");
    // Interleaved, twice: the machine is shared.
    for (const round of [1, 2]) {
      for (const transport of ["unix", "tls", "tls-shared"]) {
        const r = JSON.parse((await run(["--role", "client", "--transport", transport, "--dir", dir, "--port", String(port), "--connections", String(N)])).trim()) as { before: ReturnType<typeof memory>; after: ReturnType<typeof memory> };
        const d = (k: "rss" | "anon" | "heap") => kib((r.after[k] - r.before[k]) / N);
        console.log(`| ${transport} (round ${round}) | ${d("rss")} | ${d("anon")} | ${d("heap")} |`);
      }
    }
    srv.kill();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
