import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleGetConsoleCertificate, handleRotateConsoleCertificate } from "@/lib/server/pki/console-certificate-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(req: NextRequest): Promise<Response> {
  return handleGetConsoleCertificate(req);
}

export function POST(req: NextRequest): Promise<Response> {
  return handleRotateConsoleCertificate(req);
}

export const OPTIONS = optionsRoute("GET, POST");
