import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Two engineers build side by side: NEXT_DIST_DIR=.next-server keeps their outputs apart.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Native addon and worker-thread logger: loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["better-sqlite3", "pino"],
  // The workspace packages are TypeScript source.
  transpilePackages: ["@sysward/proto", "@sysward/contract"],
  poweredByHeader: false,
};

export default nextConfig;
