import type { NextConfig } from "next";

/**
 * The Content-Security-Policy of every answer. script-src needs 'unsafe-inline': the app router
 * streams each page's data in inline <script> tags. Nonces instead would render every page per
 * request and need the request hook (proxy.ts) on every path, and it must stay off /api and /rpc,
 * whose bodies stream. What the policy still holds: scripts, styles, images and fetches from this
 * origin only, no plugins, no <base>, forms post here, and no one frames the console.
 * `next dev` alone also needs eval (React Refresh).
 */
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
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

const nextConfig: NextConfig = {
  // NEXT_DIST_DIR (default .next): builds of one checkout side by side (e2e and bench use their own).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Native addons (ssh2 has an optional one), worker-thread logger: loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["better-sqlite3", "pino", "ssh2"],
  // The workspace packages are TypeScript source.
  transpilePackages: ["@sysward/proto", "@sysward/contract"],
  poweredByHeader: false,
  // tsconfig.json also covers the tests (for the editor and lint); the build checks the app alone.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  // On every answer: pages, route handlers (the /rpc proxy included) and static files.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: CSP },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
      {
        // Over https only: the console itself speaks http, so it is a TLS proxy in front that says
        // https (scripts/start.mjs keeps that header only with SYSWARD_TRUST_PROXY=1). A console
        // reached over plain http must not pin its host name to https.
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ key: "Strict-Transport-Security", value: "max-age=31536000" }],
      },
    ];
  },
};

export default nextConfig;
