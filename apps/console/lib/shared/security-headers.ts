// The security headers of every answer: next.config.ts gives them to Next (pages, route handlers,
// static files), and the agent proxy's route table (lib/server/agent-proxy/proxy-node-routes.ts),
// which answers before Next's router, sets the same ones from here.

/**
 * The Content-Security-Policy of every answer. script-src needs 'unsafe-inline': the app router
 * streams each page's data in inline <script> tags. Nonces instead would render every page per
 * request and need the request hook (proxy.ts) on every path, and it must stay off /api and /rpc,
 * whose bodies stream. What the policy still holds: scripts, styles, images and fetches from this
 * origin only, no plugins, no <base>, forms post here, and no one frames the console.
 * `next dev` alone also needs eval (React Refresh).
 */
export function contentSecurityPolicy(dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes: React renders them (charts, progress bars).
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** On every answer. */
export function securityHeaders(dev: boolean): Array<{ key: string; value: string }> {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(dev) },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Referrer-Policy", value: "same-origin" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ];
}

/**
 * Over https only: the console itself speaks http, so it is a TLS proxy in front that says https
 * (scripts/console-server.mjs keeps that header only with SYSWARD_TRUST_PROXY=1). A console
 * reached over plain http must not pin its host name to https.
 */
export const HTTPS_ONLY_HEADER = { key: "Strict-Transport-Security", value: "max-age=31536000" } as const;
