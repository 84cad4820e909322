import "server-only";
// GET  /api/pki/console-certificate (admins): the CA fingerprint and the console's client certificate.
// POST /api/pki/console-certificate (admins): rotate that certificate, revoking the old one.
import type { NextRequest } from "next/server";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { errorResponse } from "../http-errors";
import { consoleClientCertificate, ensureConsoleCa, rotateConsoleClientCertificate } from "./console-ca";

const AGENT_REFRESH_NOTE = "agents refuse the old certificate once they fetch the new CRL (hourly by default)";

export async function handleGetConsoleCertificate(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "admin");
  if (auth instanceof Response) return auth;
  try {
    const ca = await ensureConsoleCa();
    return Response.json({ caSha256: ca.caSha256, clientCertificate: await consoleClientCertificate() }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function handleRotateConsoleCertificate(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "rotate the console's client certificate" });
  if (auth instanceof Response) return auth;
  try {
    const { previous, current } = await rotateConsoleClientCertificate();
    audit({ actor: auth.user, address: auth.address, action: "certificate.rotate", target: "console client certificate", result: "ok", detail: `${previous.serial} revoked, ${current.serial} in use; ${AGENT_REFRESH_NOTE}` });
    return Response.json({ previous, clientCertificate: current, note: AGENT_REFRESH_NOTE }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    audit({ actor: auth.user, address: auth.address, action: "certificate.rotate", target: "console client certificate", result: "failed", detail: (err as Error).message });
    return errorResponse(err);
  }
}
