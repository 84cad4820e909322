// Where to go after login. Only same-site paths: a crafted ?next=//evil.example or
// ?next=https://evil.example must not send a freshly signed-in person off the console.
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/api/")) return "/";
  return next;
}
