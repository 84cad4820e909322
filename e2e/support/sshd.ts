// A real OpenSSH server for the SSH specs: Debian's /usr/sbin/sshd run by the test itself, with its
// own config, host key and authorized_keys in a temp dir, on 127.0.0.1 and a free port, in the
// foreground (-D -e). Root logs in by key only; nothing of the host's /etc/ssh is read or changed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./host-checks";

export const SSHD = "/usr/sbin/sshd";

/** Why these specs cannot run here, or undefined. */
export function sshdSkipReason(): string | undefined {
  if (!existsSync(SSHD)) return `no ${SSHD} (apt-get install openssh-server; scripts/ensure-test-tools.mjs does)`;
  if (process.getuid?.() !== 0) return "sshd must run as root to log users in";
  return undefined;
}

function keygen(path: string): string {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e-sshd", "-f", path], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`ssh-keygen: ${made.stderr}`);
  const listed = spawnSync("ssh-keygen", ["-lf", `${path}.pub`], { encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`ssh-keygen -lf: ${listed.stderr}`);
  return listed.stdout.split(" ")[1]!;
}

/** Every process below `pid`, from /proc's parent links. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The ppid is the 2nd field after the ")" that ends the command name.
      parentOf.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]));
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

export class Sshd {
  private child: ChildProcess | undefined;
  private log = "";
  private kept: string | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    /** "SHA256:…" of the host key it presents now. */
    public fingerprint: string,
  ) {}

  static async start(): Promise<Sshd> {
    const dir = mkdtempSync(join(tmpdir(), "sysward-e2e-sshd-"));
    const port = await freePort();
    const fingerprint = keygen(join(dir, "host_key"));
    writeFileSync(join(dir, "authorized_keys"), "", { mode: 0o600 });
    writeFileSync(
      join(dir, "sshd_config"),
      [
        "ListenAddress 127.0.0.1",
        `Port ${port}`,
        `HostKey ${dir}/host_key`,
        "PidFile none",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        // The temp dir sits in the world-writable /tmp, which StrictModes refuses.
        "StrictModes no",
        "AllowStreamLocalForwarding yes",
        "",
      ].join("\n"),
    );
    const sshd = new Sshd(dir, port, fingerprint);
    await sshd.run();
    return sshd;
  }

  get address(): string {
    return `root@127.0.0.1:${this.port}`;
  }

  /** Adds an authorized_keys line (the console's public key). */
  authorize(publicKey: string): void {
    writeFileSync(join(this.dir, "authorized_keys"), `${publicKey.trim()}\n`, { mode: 0o600 });
  }

  /** sshd restarted with a host key made now (a reinstalled machine, or someone in between); the old one kept aside. */
  async newHostKey(): Promise<void> {
    await this.stop();
    const key = join(this.dir, "host_key");
    renameSync(key, `${key}.kept`);
    renameSync(`${key}.pub`, `${key}.pub.kept`);
    this.kept = this.fingerprint;
    this.fingerprint = keygen(key);
    await this.run();
  }

  /** sshd restarted with the host key newHostKey() put aside. */
  async restoreHostKey(): Promise<void> {
    if (!this.kept) throw new Error("no host key kept aside");
    await this.stop();
    const key = join(this.dir, "host_key");
    renameSync(`${key}.kept`, key);
    renameSync(`${key}.pub.kept`, `${key}.pub`);
    this.fingerprint = this.kept;
    this.kept = undefined;
    await this.run();
  }

  /** Ends sshd and every connection it serves (its per-connection processes are its descendants). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    for (const pid of [...descendants(child.pid!), child.pid!]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    // The privilege separation dir sshd insists on; tmpfs, so gone after a reboot.
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const child = spawn(SSHD, ["-D", "-e", "-f", join(this.dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    child.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!this.log.includes(`Server listening on 127.0.0.1 port ${this.port}`)) {
      if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`sshd did not listen within 10 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
