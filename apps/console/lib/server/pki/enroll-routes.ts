import "server-only";
// Adding a remote machine in two steps:
//  1. POST /api/enrollments (admin): a one-time token for a named machine, and the exact command
//     to run there;
//  2. that command (the agent's `enroll`) POSTs /api/enroll with the token, its public key (and
//     a signature proving it holds the private key), the address the console should dial, and
//     its bearer token. The console signs a server certificate for that address, registers the
//     agent and burns the token. /api/enroll is open: the enrollment token is its credential.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { enrollProofMessage } from "@sysward/contract";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { clientAddress, requestOrigin } from "../auth/request-facts";
import { AGENT_ID, agentIdFromName, alreadyAtAddress, getAgentRecord, LOCAL_AGENT_ID, registerAgent } from "../agents/registry";
import { errorResponse, HttpError, jsonError } from "../http-errors";
import { getLogger } from "../log";
import { readJson } from "../read-json";
import { revokeCertificate } from "./certificate-store";
import { ensureConsoleCa } from "./console-ca";
import { currentCrlPem } from "./crl";
import { parseAgentPublicKey, proofHolds } from "./enroll-proof";
import { claimEnrollment, createEnrollment, pendingEnrollments, releaseEnrollment, usableEnrollment } from "./enrollment";
import { httpsAddress, parseHostPort } from "./host-port";
import { AGENT_CERT_DAYS, issueCertificate } from "./issue-certificate";
import { smallJsonBody } from "./small-json-body";
import { currentArtifact } from "../downloads/agent-artifact";
import { checkoutEnrollCommand, installCommand } from "../downloads/install-command";

const DEFAULT_TTL_MINUTES = 60;

const NewEnrollment = z.object({
  name: z.string().trim().min(1).max(100),
  id: z.string().optional(),
  /** Pre-fills --listen in the command: where the new machine's agent will listen. */
  listen: z.string().optional(),
  /** The console's URL as the new machine reaches it (default: the URL of this request). */
  consoleUrl: z.url({ protocol: /^https?$/ }).optional(),
  expiresInMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
});

export async function handleCreateEnrollment(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "create an enrollment" });
  if (auth instanceof Response) return auth;
  let target = "?";
  try {
    const body = await readJson(req, NewEnrollment);
    const agentId = body.id ?? agentIdFromName(body.name);
    target = agentId.slice(0, 100);
    if (!AGENT_ID.test(agentId)) throw new HttpError(400, "agent ids are 1–63 characters: lowercase letters, digits and '-', starting with a letter or digit (give one as `id`)");
    if (agentId === LOCAL_AGENT_ID || getAgentRecord(agentId)) throw new HttpError(409, `an agent with id ${JSON.stringify(agentId)} already exists; remove it first or choose another id`);
    if (body.listen !== undefined) {
      const hp = parseHostPort(body.listen);
      if (typeof hp === "string") throw new HttpError(400, `listen: ${hp}`);
    }
    const ca = await ensureConsoleCa();
    const consoleUrl = body.consoleUrl ? new URL(body.consoleUrl).origin : requestOrigin(req);
    const ttlMs = (body.expiresInMinutes ?? DEFAULT_TTL_MINUTES) * 60_000;
    const { token, enrollment } = createEnrollment({ agentId, name: body.name, createdBy: auth.user.id, ttlMs });
    // The one command for a bare host when this console serves the agent; else (and always, for a
    // host that runs an agent already) the agent's own `enroll`.
    const enrolling = { token, caSha256: ca.caSha256, ...(body.listen ? { listen: body.listen } : {}) };
    const artifact = await currentArtifact();
    const enrollCommand = checkoutEnrollCommand(consoleUrl, enrolling);
    const command = artifact ? installCommand(consoleUrl, artifact, enrolling) : enrollCommand;
    audit({ actor: auth.user, address: auth.address, action: "enrollment.create", target: agentId, result: "ok", detail: `#${enrollment.id} "${body.name}", expires ${new Date(enrollment.expiresAt).toISOString()}` });
    return Response.json(
      {
        enrollment: { id: enrollment.id, agentId, name: body.name, expiresAt: new Date(enrollment.expiresAt).toISOString() },
        token,
        command,
        enrollCommand,
        agentArtifact: artifact ? { version: artifact.version, sha256: artifact.sha256 } : null,
        caSha256: ca.caSha256,
      },
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "enrollment.create", target, result: "failed", detail: err.message });
    return errorResponse(err);
  }
}

export async function handleListEnrollments(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "admin");
  if (auth instanceof Response) return auth;
  const enrollments = pendingEnrollments().map((e) => ({ id: e.id, agentId: e.agentId, name: e.name, expiresAt: new Date(e.expiresAt).toISOString(), expired: e.expiresAt <= Date.now() }));
  return Response.json({ enrollments }, { headers: { "cache-control": "no-store" } });
}

const EnrollBody = z.object({
  token: z.string(),
  /** host:port the console dials (the certificate names this host). */
  address: z.string().max(300),
  /** SPKI PEM of the agent's new ECDSA P-256 key. */
  publicKey: z.string().max(2000),
  /** base64 ECDSA-SHA256 signature of enrollProofMessage(token, address, publicKey). */
  proof: z.string().max(200),
  /** The agent's bearer token (its agent.token): the console needs it for every call. */
  agentToken: z.string().regex(/^[A-Za-z0-9_-]{32,200}$/, "agentToken must be the agent's agent.token"),
});

export async function handleEnroll(req: NextRequest): Promise<Response> {
  const from = clientAddress(req);
  const actor = { username: "(enrollment)" };
  const raw = await smallJsonBody(req);
  const enrollment = usableEnrollment((raw as { token?: unknown } | null | undefined)?.token);
  if (!enrollment) {
    audit({ actor, address: from, action: "agent.enroll", result: "denied", detail: "enrollment token missing, unknown, expired or already used" });
    return jsonError(401, "enrollment token missing, unknown, expired or already used: ask an admin for a new one");
  }
  const fail = (status: number, message: string) => {
    audit({ actor, address: from, action: "agent.enroll", target: enrollment.agentId, result: "failed", detail: message });
    return jsonError(status, message);
  };
  const parsed = EnrollBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(400, issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid request body");
  }
  const body = parsed.data;
  const hostPort = parseHostPort(body.address);
  if (typeof hostPort === "string") return fail(400, `address: ${hostPort}`);
  const key = parseAgentPublicKey(body.publicKey);
  if (typeof key === "string") return fail(400, key);
  if (!proofHolds(key, enrollProofMessage(body.token, body.address, body.publicKey), body.proof)) return fail(400, "proof: the signature does not match the public key");
  if (getAgentRecord(enrollment.agentId)) return fail(409, `an agent with id ${JSON.stringify(enrollment.agentId)} is already registered; remove it, then ask for a new enrollment`);
  const address = httpsAddress(hostPort);
  // Checked again when registering; here so that a refusal burns no token and signs nothing.
  const taken = alreadyAtAddress(address);
  if (taken) return fail(taken.status, taken.message);
  // Burn the token before signing anything: two racing requests cannot both get a certificate.
  if (!claimEnrollment(enrollment.id)) {
    audit({ actor, address: from, action: "agent.enroll", target: enrollment.agentId, result: "denied", detail: "enrollment token used or expired meanwhile" });
    return jsonError(401, "enrollment token missing, unknown, expired or already used: ask an admin for a new one");
  }
  let serial: string | undefined;
  try {
    const ca = await ensureConsoleCa();
    const cert = await issueCertificate(ca, { kind: "agent", commonName: enrollment.agentId, publicKeyPem: body.publicKey, agentId: enrollment.agentId, host: hostPort.host, days: AGENT_CERT_DAYS });
    serial = cert.serial;
    const crl = await currentCrlPem(ca);
    registerAgent(
      {
        id: enrollment.agentId,
        name: enrollment.name,
        address,
        credential: { kind: "mtls", token: body.agentToken, caPath: ca.caCertPath, certPath: ca.clientCertPath, keyPath: ca.clientKeyPath },
      },
      { uniqueAddress: true },
    );
    audit({ actor, address: from, action: "agent.enroll", target: enrollment.agentId, result: "ok", detail: `enrollment #${enrollment.id}: ${address}, certificate ${cert.serial}` });
    getLogger().info({ agentId: enrollment.agentId, address, serial: cert.serial }, "agent enrolled");
    return Response.json(
      { agentId: enrollment.agentId, name: enrollment.name, address, cert: cert.pem, caCert: ca.caCertPem, clientCaCert: ca.caCertPem, crl },
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    // Nothing half-done stays behind: the certificate is revoked and the token usable again.
    if (serial) revokeCertificate(serial);
    releaseEnrollment(enrollment.id);
    const message = err instanceof HttpError ? err.message : `enrollment failed on the console: ${(err as Error).message}`;
    audit({ actor, address: from, action: "agent.enroll", target: enrollment.agentId, result: "failed", detail: message });
    if (err instanceof HttpError) return errorResponse(err);
    getLogger().error({ err, agentId: enrollment.agentId }, "enrollment failed");
    return jsonError(500, message);
  }
}
