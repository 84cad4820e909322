import type { NextConfig } from "next";
import { HTTPS_ONLY_HEADER, securityHeaders } from "./lib/shared/security-headers";

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
  // On every answer: pages, route handlers (the /rpc proxy included) and static files; HSTS only
  // when a trusted proxy in front says https.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: securityHeaders(process.env.NODE_ENV === "development"),
      },
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ ...HTTPS_ONLY_HEADER }],
      },
    ];
  },
};

export default nextConfig;
