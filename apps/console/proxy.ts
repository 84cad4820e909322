// Next's request hook. Deliberately cheap and Node-free: it only sends browsers without a session
// cookie to /login. Whether a session is valid is decided by the (console) layout and by every
// route handler. /api and /rpc are not matched at all: Next buffers request bodies for the hook,
// and uploads and RPC streams must flow through untouched.
import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "./lib/shared/session-cookie";

const PUBLIC_PAGES = new Set(["/login"]);
/** Route handlers outside /api that answer for themselves (401, or open: the agent's downloads). */
const ROUTE_HANDLER = /^\/metrics$|^\/agents\/[^/]+\/(debug\/vars|metrics)$|^\/downloads\/[^/]+$|^\/install\.sh$/;
const STATIC_FILE = /\.[A-Za-z0-9]+$/;

export function proxy(req: NextRequest): NextResponse {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC_PAGES.has(pathname) || ROUTE_HANDLER.test(pathname) || STATIC_FILE.test(pathname)) return NextResponse.next();
  if (req.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const login = new URL("/login", req.url);
  if (pathname !== "/") login.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  matcher: ["/((?!api/|rpc/|_next/).*)"],
};
