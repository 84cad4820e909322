// fetch() for the console's JSON routes: same-origin (the browser adds the Origin header the
// server checks), errors turned into Error(message) from the route's `{ "error": "..." }`.
export async function callJson<T>(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new Error("The console could not be reached. Check your connection and try again.");
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; handled below
  }
  if (!res.ok) {
    const message = json && typeof json === "object" && "error" in json && typeof json.error === "string" ? json.error : null;
    if (res.status === 401) throw new Error(message ?? "Your session has ended. Log in again to continue.");
    if (res.status === 403) throw new Error(message ?? "Your role does not allow this.");
    throw new Error(message ?? `The console answered HTTP ${res.status}.`);
  }
  return json as T;
}
