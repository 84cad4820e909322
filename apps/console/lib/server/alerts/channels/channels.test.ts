// Every channel against a REAL receiver the test starts: an HTTP server on loopback (webhook,
// Slack, ntfy) and Debian's aiosmtpd (email, with AUTH). Nothing is mocked: the bytes the
// receivers record are the bytes the console sent.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupConsoleTestEnv } from "../../testing/console-test-env";
import { getDb } from "../../db/database";
import { HttpReceiver } from "../testing/http-receiver";
import { hasAiosmtpd, SmtpReceiver } from "../testing/smtp-receiver";
import { channelForSending, createChannel, listChannels } from "./channel-store";
import { DeliveryError } from "./delivery-error";
import type { Notice } from "./notice";
import { sendNotice } from "./send-notice";

const env = setupConsoleTestEnv({ SYSWARD_CONSOLE_PUBLIC_URL: "https://console.example.test" });
const http = new HttpReceiver();
beforeAll(() => http.start());
afterAll(async () => {
  await http.stop();
  await env.cleanup();
});

const notice = (status: "firing" | "resolved"): Notice => ({
  receiver: "ops",
  externalUrl: "https://console.example.test",
  alert: {
    status,
    ruleId: "service-failed",
    severity: "critical",
    agentId: "db1",
    machineName: "Database one",
    service: "web",
    summary: "web on Database one failed: crashed 5 times within 60 s",
    startsAt: Date.parse("2026-01-02T03:04:05Z"),
    endsAt: status === "resolved" ? Date.parse("2026-01-02T03:14:05Z") : null,
    fingerprint: "0123456789abcdef",
    url: "https://console.example.test/agents/db1?service=web",
    machineLabels: { env: "prod", "team.name": "core" },
  },
});

const send = async (input: Parameters<typeof createChannel>[0], n: Notice) => sendNotice(channelForSending(createChannel(input, "admin").id)!.config, n);

describe("the webhook channel", () => {
  it("posts Alertmanager's webhook format (version 4), signed with HMAC-SHA256 when a secret is set", async () => {
    const before = http.received.length;
    await send({ type: "webhook", name: "am", url: `${http.url}/hook`, secret: "s3cret" }, notice("firing"));
    await send({ type: "webhook", name: "am2", url: `${http.url}/hook2` }, notice("resolved"));
    const [signed, unsigned] = http.received.slice(before);
    expect(signed!.path).toBe("/hook");
    expect(signed!.headers["x-sysward-signature"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(signed!.body).digest("hex")}`);
    expect(unsigned!.headers["x-sysward-signature"]).toBeUndefined();
    const body = JSON.parse(signed!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "ops",
      externalURL: "https://console.example.test",
      groupLabels: { alertname: "service-failed" },
      commonLabels: { alertname: "service-failed", machine: "db1", service: "web", env: "prod", team_name: "core" },
    });
    expect(typeof body.groupKey).toBe("string");
    expect(body.alerts).toEqual([
      expect.objectContaining({
        status: "firing",
        labels: expect.objectContaining({ alertname: "service-failed", severity: "critical", machine: "db1", service: "web" }),
        annotations: expect.objectContaining({ summary: expect.stringContaining("crashed 5 times"), url: "https://console.example.test/agents/db1?service=web" }),
        startsAt: "2026-01-02T03:04:05.000Z",
        endsAt: "0001-01-01T00:00:00Z",
        fingerprint: "0123456789abcdef",
      }),
    ]);
    const resolved = JSON.parse(unsigned!.body) as { status: string; alerts: Array<{ status: string; endsAt: string }> };
    expect(resolved.status).toBe("resolved");
    expect(resolved.alerts[0]).toMatchObject({ status: "resolved", endsAt: "2026-01-02T03:14:05.000Z" });
  });

  it("says what the receiver answered when it refuses", async () => {
    http.status = 503;
    try {
      const err = await send({ type: "webhook", name: "refused", url: http.url }, notice("firing")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).statusCode).toBe(503);
      expect((err as Error).message).toMatch(/answered 503: receiver says no/);
    } finally {
      http.status = 200;
    }
    // A port nobody listens on: the receiver's own, once it is closed.
    const gone = await new HttpReceiver().start();
    const url = gone.url;
    await gone.stop();
    const down = await send({ type: "webhook", name: "nobody", url }, notice("firing")).catch((e: unknown) => e);
    expect((down as Error).message).toMatch(/could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

describe("the Slack-compatible channel", () => {
  it("posts {text} with a <url|label> link to the service's page", async () => {
    const before = http.received.length;
    await send({ type: "slack", name: "slack", url: `${http.url}/services/T/B/X` }, notice("firing"));
    const got = http.received[before]!;
    expect(got.headers["content-type"]).toBe("application/json");
    const { text } = JSON.parse(got.body) as { text: string };
    expect(text).toContain("[FIRING] service-failed: web on Database one");
    expect(text).toContain("<https://console.example.test/agents/db1?service=web|web on Database one>");
  });
});

describe("the ntfy channel", () => {
  it("posts the text to the topic with Title, Priority, Tags, Click and the access token", async () => {
    const before = http.received.length;
    await send({ type: "ntfy", name: "ntfy", url: `${http.url}/sysward-alerts`, secret: "tk_abc" }, notice("firing"));
    await send({ type: "ntfy", name: "ntfy2", url: `${http.url}/sysward-alerts` }, notice("resolved"));
    const [firing, resolved] = http.received.slice(before);
    expect(firing!.path).toBe("/sysward-alerts");
    expect(firing!.headers).toMatchObject({ title: "[FIRING] service-failed: web on Database one", priority: "urgent", tags: "rotating_light,sysward", click: "https://console.example.test/agents/db1?service=web", authorization: "Bearer tk_abc" });
    expect(firing!.body).toContain("crashed 5 times");
    expect(resolved!.headers).toMatchObject({ priority: "default", tags: "white_check_mark,sysward" });
    expect(resolved!.headers.authorization).toBeUndefined();
  });
});

describe("channel storage", () => {
  it("keeps URLs and secrets sealed, and lists only where a channel sends", () => {
    createChannel({ type: "slack", name: "sealed-slack", url: "https://hooks.slack.com/services/T0/B0/very-secret-part" }, "admin");
    const rows = getDb().prepare("SELECT config, summary FROM alert_channels").all() as Array<{ config: string; summary: string }>;
    for (const r of rows) {
      expect(r.config).toMatch(/^sealed:v1:/);
      expect(r.config).not.toContain("very-secret-part");
      expect(r.summary).not.toContain("very-secret-part");
    }
    expect(listChannels().find((c) => c.name === "sealed-slack")?.summary).toBe("https://hooks.slack.com/…");
  });
});

describe.skipIf(!hasAiosmtpd())("the email channel (skipped without Debian's python3-aiosmtpd: scripts/ensure-test-tools.mjs installs it)", () => {
  const smtp = new SmtpReceiver();
  beforeAll(() => smtp.start({ user: "alerts", password: "p4ss word" }));
  afterAll(() => smtp.stop());

  it("sends over SMTP with AUTH, subject and link, to every address", async () => {
    await send({ type: "email", name: "mail", url: `smtp://alerts:p4ss%20word@127.0.0.1:${smtp.port}`, from: "sysward@example.test", to: ["ops@example.test", "oncall@example.test"] }, notice("firing"));
    const [msg] = smtp.messages();
    expect(msg).toContain("X-Envelope-To: ops@example.test,oncall@example.test");
    expect(msg).toMatch(/^Subject: \[FIRING\] service-failed: web on Database one/m);
    expect(msg).toContain("https://console.example.test/agents/db1?service=web");
    expect(msg).toMatch(/^X-Sysward-Alert: 0123456789abcdef/m);
  });

  it("refuses to log in without TLS to a server that wants TLS, and sends over STARTTLS and implicit TLS with the channel's CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sysward-smtp-tls-"));
    const certPath = join(dir, "cert.pem");
    const keyPath = join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certPath], { stdio: "ignore" });
    const ca = readFileSync(certPath, "utf8");
    const starttls = await new SmtpReceiver().start({ user: "alerts", password: "pw" }, { mode: "starttls", certPath, keyPath });
    const implicit = await new SmtpReceiver().start({ user: "alerts", password: "pw" }, { mode: "implicit", certPath, keyPath });
    try {
      const mail = { from: "sysward@example.test", to: "ops@example.test" } as const;
      // Told never to upgrade, it gets the server's refusal, and nothing (no password) is sent in clear.
      const clear = await send({ type: "email", name: "clear", url: `smtp://alerts:pw@127.0.0.1:${starttls.port}?starttls=never`, ...mail, ca }, notice("firing")).catch((e: unknown) => e);
      expect((clear as Error).message).toMatch(/STARTTLS/);
      expect(starttls.messages()).toHaveLength(0);
      await send({ type: "email", name: "starttls", url: `smtp://alerts:pw@127.0.0.1:${starttls.port}?starttls=required`, ...mail, ca }, notice("firing"));
      expect(starttls.messages()).toHaveLength(1);
      await send({ type: "email", name: "implicit", url: `smtps://alerts:pw@127.0.0.1:${implicit.port}`, ...mail, ca }, notice("resolved"));
      expect(implicit.messages()[0]).toMatch(/^Subject: \[RESOLVED\]/m);
      // Without the CA the self-signed certificate is not trusted: nothing is sent.
      const untrusted = await send({ type: "email", name: "untrusted", url: `smtps://alerts:pw@127.0.0.1:${implicit.port}`, ...mail }, notice("firing")).catch((e: unknown) => e);
      expect((untrusted as Error).message).toMatch(/self[- ]signed/i);
      expect(implicit.messages()).toHaveLength(1);
    } finally {
      await starttls.stop();
      await implicit.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with the server's answer when the password is wrong", async () => {
    const err = await send({ type: "email", name: "badmail", url: `smtp://alerts:wrong@127.0.0.1:${smtp.port}`, from: "sysward@example.test", to: "ops@example.test" }, notice("firing")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).statusCode).toBe(535);
  });
});
