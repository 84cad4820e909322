import "server-only";
// Facts about a request that auth decisions rest on: who sent it (address), over what (https),
// and from which page (Origin). Forwarded headers are trustworthy only because scripts/start.mjs
// replaces any the client sent (unless SYSWARD_TRUST_PROXY says a reverse proxy sets them).
import type { NextRequest } from "next/server";
import { getConfig } from "../config";

/** The client's address: the right-most X-Forwarded-For entry (what the nearest hop saw). */
export function clientAddress(req: Request): string {
  const xff = req.headers.get("x-forwarded-for");
  const last = xff?.split(",").pop()?.trim();
  return last ? last.replace(/^::ffff:/, "") : "unknown";
}

export function requestProtocol(req: NextRequest): "http" | "https" {
  const forwarded = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const proto = forwarded || req.nextUrl.protocol.replace(/:$/, "");
  return proto === "https" ? "https" : "http";
}

/** This console's origin as the request reached it (a forwarded Host first): the URL to give other machines. */
export function requestOrigin(req: NextRequest): string {
  return `${requestProtocol(req)}://${req.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || req.headers.get("host") || req.nextUrl.host}`;
}

export function wantsSecureCookie(req: NextRequest): boolean {
  const mode = getConfig().secureCookies;
  return mode === "always" || (mode === "auto" && requestProtocol(req) === "https");
}

/** The origins this console answers as: its Host (and forwarded host) over the request's protocol, plus configured ones. */
function ownOrigins(req: NextRequest): Set<string> {
  const proto = requestProtocol(req);
  const hosts = [req.headers.get("host"), req.headers.get("x-forwarded-host")?.split(",")[0]?.trim(), req.nextUrl.host];
  const origins = new Set(getConfig().allowedOrigins);
  for (const h of hosts) if (h) origins.add(`${proto}://${h.toLowerCase()}`);
  return origins;
}

export type OriginVerdict = "same" | "missing" | "cross";

export function checkOrigin(req: NextRequest): OriginVerdict {
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return origin === "null" ? "cross" : "missing";
  let normalized: string;
  try {
    normalized = new URL(origin).origin;
  } catch {
    return "cross";
  }
  return ownOrigins(req).has(normalized) ? "same" : "cross";
}

/** GET, HEAD and OPTIONS change nothing; everything else must prove it came from our own pages. */
export function isStateChanging(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}
