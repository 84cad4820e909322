import "server-only";
// One POST to a receiver, bounded in time; anything but a 2xx is a DeliveryError with the status
// and the start of the receiver's answer (what a person needs to fix the channel).
import { DeliveryError } from "./delivery-error";

const TIMEOUT_MS = 10_000;

export async function postToReceiver(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<number> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", body, headers, redirect: "error", signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (timeout.aborted) throw new DeliveryError(`no answer from ${new URL(url).host} within ${TIMEOUT_MS / 1000} s`);
    throw new DeliveryError(`could not reach ${new URL(url).host}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = (await res.text().catch(() => "")).slice(0, 300);
  if (res.status < 200 || res.status > 299) throw new DeliveryError(`${new URL(url).host} answered ${res.status}${text ? `: ${text}` : ""}`, res.status);
  return res.status;
}
