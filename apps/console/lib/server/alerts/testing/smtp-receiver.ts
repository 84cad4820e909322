// A real SMTP server for the email channel's tests: Debian's aiosmtpd (python3-aiosmtpd, installed
// by scripts/ensure-test-tools.mjs) run by /usr/bin/python3, saving each message it takes as a
// file; optionally requiring AUTH LOGIN/PLAIN with one user and password.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SMTP_PYTHON = "/usr/bin/python3";

export function hasAiosmtpd(): boolean {
  if (!existsSync(SMTP_PYTHON)) return false;
  return spawnSync(SMTP_PYTHON, ["-c", "import aiosmtpd"]).status === 0;
}

const SCRIPT = `
import asyncio, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
out, port, user, password, tls, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
class Save:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Save.n += 1
        path = os.path.join(out, "%06d.eml" % Save.n)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-From: %s\\r\\nX-Envelope-To: %s\\r\\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK saved"
def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
    return AuthResult(success=ok, handled=False)
# aiosmtpd counts only STARTTLS as TLS for AUTH; a connection TLS from its first byte is one too.
kw = dict(auth_required=True, auth_require_tls=tls == "starttls", authenticator=auth) if user else {}
if tls != "none":
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    if tls == "starttls":
        kw.update(tls_context=ctx, require_starttls=True)
    else:
        kw.update(ssl_context=ctx)
c = Controller(Save(), hostname="127.0.0.1", port=port, **kw)
c.start()
print("ready", flush=True)
try:
    while True: time.sleep(3600)
except KeyboardInterrupt:
    c.stop()
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class SmtpReceiver {
  readonly dir = mkdtempSync(join(tmpdir(), "sysward-smtp-"));
  port = 0;
  #proc: ChildProcess | undefined;

  /** With `tls`: STARTTLS required before anything else, or TLS from the first byte ("implicit"), with this certificate. */
  async start(auth?: { user: string; password: string }, tls?: { mode: "starttls" | "implicit"; certPath: string; keyPath: string }): Promise<this> {
    this.port = await freePort();
    const script = join(this.dir, "smtp.py");
    writeFileSync(script, SCRIPT);
    const mail = join(this.dir, "mail");
    mkdirSync(mail);
    const proc = spawn(SMTP_PYTHON, [script, mail, String(this.port), auth?.user ?? "", auth?.password ?? "", tls?.mode ?? "none", tls?.certPath ?? "", tls?.keyPath ?? ""], { stdio: ["ignore", "pipe", "pipe"] });
    this.#proc = proc;
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      proc.once("exit", (code) => reject(new Error(`aiosmtpd exited (${code}): ${err}`)));
    });
    return this;
  }

  /** Every message taken, raw (headers and body), in arrival order. */
  messages(): string[] {
    const mail = join(this.dir, "mail");
    return readdirSync(mail)
      .filter((f) => f.endsWith(".eml"))
      .sort()
      .map((f) => readFileSync(join(mail, f), "utf8"));
  }

  async stop(): Promise<void> {
    const p = this.#proc;
    if (p && p.exitCode === null) {
      p.kill("SIGKILL");
      await new Promise((r) => p.once("exit", r));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
