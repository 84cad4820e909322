// The agent's few calls to the console (enrolment, the hourly credentials refresh): one JSON
// POST, no redirects, a deadline, and errors a person can act on, in the caller's error class.

export interface ConsoleAnswer<T> {
  status: number;
  ok: boolean;
  body: T;
}

export async function postToConsole<T extends object>(url: string, body: unknown, timeoutMs: number, fail: (message: string) => Error): Promise<ConsoleAnswer<Partial<T>>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw fail(`could not reach the console at ${url}: ${cause ?? (err as Error).message}`);
  }
  try {
    return { status: res.status, ok: res.ok, body: (await res.json()) as Partial<T> };
  } catch {
    throw fail(`the console at ${url} answered ${res.status} without JSON: is that the Sysward console's URL?`);
  }
}

/** The console's `{ "error": … }`, or a stand-in. */
export function consoleReason(body: { error?: unknown }): string {
  return typeof body.error === "string" ? body.error : "no reason given";
}
