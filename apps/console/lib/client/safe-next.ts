// Where to go after login. Only same-origin paths: a crafted ?next=//evil.example,
// ?next=https://evil.example or ?next=/%09/evil.example (URL parsers drop tabs and newlines, so
// that is //evil.example) must not send a freshly signed-in person off the console. So the value
// is resolved the way the browser will resolve it, and kept only if it stays on the origin.
const BASE = "http://console.invalid";

export function safeNext(next: string | null | undefined, origin: string = BASE): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  const path = url.pathname + url.search + url.hash;
  if (path === "/login" || path.startsWith("/login?") || path.startsWith("/api/")) return "/";
  return path;
}
