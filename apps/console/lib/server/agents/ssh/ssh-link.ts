import "server-only";
// One SSH connection to a machine (ssh2), multiplexing every HTTP/2 connection to its agent and
// every command on channels. Opened on first use; keepalives notice a dead machine; after a
// failure the next attempt waits with backoff (1 s doubling to 30 s), and until then callers get
// the last error at once, so a down machine never makes a page wait.
import { Duplex } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { hostKeyOf, type HostKey } from "./known-hosts";

export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** "host:port": how known host keys are keyed (IPv6 literals without brackets). */
export function sshHostId(t: Pick<SshTarget, "host" | "port">): string {
  return `${t.host}:${t.port}`;
}

export type SshFailure = "host-key" | "auth" | "timeout" | "unreachable" | "closed";

export class SshLinkError extends Error {
  constructor(
    message: string,
    readonly failure: SshFailure,
  ) {
    super(message);
  }
}

export interface SshLinkOptions {
  privateKey: string;
  /** null accepts the key; a string refuses it with that message. */
  checkHostKey(key: HostKey): string | null;
  timeoutMs: number;
}

const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 2;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

export class SshLink {
  private ready: Promise<Client> | undefined;
  private client: Client | undefined;
  private failures = 0;
  private retryAt = 0;
  private lastError: Error | undefined;
  private closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly options: SshLinkOptions,
  ) {}

  /** The live connection, opening one if there is none; during backoff, the last error. */
  connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new SshLinkError(`the SSH connection to ${this.describe()} was closed`, "closed"));
    if (this.ready) return this.ready;
    if (this.lastError && Date.now() < this.retryAt) return Promise.reject(this.lastError);
    const attempt = this.connect();
    this.ready = attempt;
    attempt.catch((err: Error) => {
      if (this.ready === attempt) this.ready = undefined;
      this.failures++;
      this.lastError = err;
      this.retryAt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.failures - 1));
    });
    return attempt;
  }

  /**
   * A stream to the Unix socket `socketPath` on the machine (direct-streamlocal@openssh.com),
   * returned at once as http2.connect's createConnection must: writes wait for the channel.
   */
  openStreamLocal(socketPath: string): Duplex {
    const stream = new ChannelStream();
    const timer = setTimeout(() => {
      // sshd answers a channel open at once; silence means the machine or link is gone.
      this.drop(this.client);
      stream.destroy(new SshLinkError(`no answer from ${this.describe()} within ${this.options.timeoutMs / 1000} s`, "timeout"));
    }, this.options.timeoutMs);
    this.connection().then(
      (client) =>
        client.openssh_forwardOutStreamLocal(socketPath, (err, channel) => {
          clearTimeout(timer);
          if (err) stream.destroy(new SshLinkError(`${this.describe()}: cannot open ${socketPath}: ${err.message}`, "unreachable"));
          else stream.attach(channel);
        }),
      (err: Error) => {
        clearTimeout(timer);
        // Not in this microtask: during backoff the failure is immediate, and HTTP/2's retry of a
        // connection that fails before any I/O would otherwise spin without letting timers run.
        setImmediate(() => stream.destroy(err));
      },
    );
    return stream;
  }

  /** Runs `command` on the machine; resolves with its exit code and output. */
  async exec(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const client = await this.connection();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SshLinkError(`${this.describe()}: \`${command}\` did not finish within ${this.options.timeoutMs / 1000} s`, "timeout")), this.options.timeoutMs);
      client.exec(command, (err, channel) => {
        if (err) {
          clearTimeout(timer);
          reject(new SshLinkError(`${this.describe()}: cannot run a command: ${err.message}`, "unreachable"));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code = -1;
        channel.on("data", (d: Buffer) => out.push(d));
        channel.stderr.on("data", (d: Buffer) => errOut.push(d));
        channel.on("exit", (c: number | null) => (code = c ?? -1));
        channel.on("close", () => {
          clearTimeout(timer);
          resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errOut).toString("utf8") });
        });
      });
    });
  }

  close(): void {
    this.closed = true;
    this.drop(this.client);
  }

  private describe(): string {
    return `${this.target.user}@${sshHostId(this.target)}`;
  }

  private drop(client: Client | undefined): void {
    if (!client) return;
    if (this.client === client) {
      this.client = undefined;
      this.ready = undefined;
    }
    client.destroy();
  }

  private connect(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let refusal: SshLinkError | undefined;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.destroy();
        reject(refusal ?? this.explain(err));
      };
      client.on("ready", () => {
        settled = true;
        if (this.closed) {
          client.destroy();
          reject(new SshLinkError(`the SSH connection to ${this.describe()} was closed`, "closed"));
          return;
        }
        this.failures = 0;
        this.lastError = undefined;
        this.client = client;
        resolve(client);
      });
      client.on("error", (err) => {
        if (!settled) fail(err);
        // After "ready": keepalive timeout or a reset. "close" follows; the next use reconnects.
      });
      client.on("close", () => {
        if (this.client === client) this.drop(client);
        fail(new Error("connection closed during the handshake"));
      });
      const config: ConnectConfig = {
        host: this.target.host,
        port: this.target.port,
        username: this.target.user,
        privateKey: this.options.privateKey,
        readyTimeout: this.options.timeoutMs,
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: (blob: Buffer) => {
          const message = this.options.checkHostKey(hostKeyOf(blob));
          if (message !== null) refusal = new SshLinkError(message, "host-key");
          return message === null;
        },
      };
      client.connect(config);
    });
  }

  private explain(err: Error & { level?: string }): SshLinkError {
    const who = this.describe();
    if (err.level === "client-authentication") {
      return new SshLinkError(`${who} refused the console's SSH key: add the console's public key (GET /api/ssh/key, or Add machine → SSH) to ~${this.target.user}/.ssh/authorized_keys on the machine`, "auth");
    }
    if (err.level === "client-timeout") return new SshLinkError(`no SSH handshake with ${who} within ${this.options.timeoutMs / 1000} s`, "timeout");
    return new SshLinkError(`cannot reach ${who} over SSH: ${err.message}`, "unreachable");
  }
}

/** The Duplex handed to HTTP/2 before its SSH channel exists; then a pass-through to the channel. */
class ChannelStream extends Duplex {
  private channel: ClientChannel | undefined;
  private pending: Array<{ chunk: Buffer; callback: (err?: Error | null) => void }> = [];
  private ending: (() => void) | undefined;

  attach(channel: ClientChannel): void {
    if (this.destroyed) {
      channel.close();
      return;
    }
    this.channel = channel;
    channel.on("data", (d: Buffer) => {
      if (!this.push(d)) channel.pause();
    });
    channel.on("end", () => this.push(null));
    channel.on("close", () => this.destroy());
    channel.on("error", (err: Error) => this.destroy(err));
    for (const { chunk, callback } of this.pending.splice(0)) channel.write(chunk, callback);
    if (this.ending) {
      channel.end();
      this.ending();
    }
  }

  override _read(): void {
    this.channel?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.channel) this.channel.write(chunk, callback);
    else this.pending.push({ chunk, callback });
  }

  override _final(callback: () => void): void {
    if (this.channel) {
      this.channel.end();
      callback();
    } else this.ending = callback;
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.channel?.close();
    for (const { callback: cb } of this.pending.splice(0)) cb(err ?? new Error("stream destroyed"));
    callback(err);
  }
}
