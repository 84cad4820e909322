import "server-only";
// The query parameters the fleet's read routes share: ?selector= (labels), ?state=.
import { parseSelector, SelectorError, type Selector } from "@sysward/contract";
import { HttpError } from "../http-errors";

export function selectorParam(url: URL): Selector | undefined {
  const text = url.searchParams.get("selector");
  if (!text) return undefined;
  try {
    return parseSelector(text);
  } catch (err) {
    if (err instanceof SelectorError) throw new HttpError(400, `selector: ${err.message}`);
    throw err;
  }
}

/** ?<name>= when it is one of `allowed`; 400 naming them otherwise. */
export function choiceParam<T extends string>(url: URL, name: string, allowed: readonly T[]): T | undefined {
  const v = url.searchParams.get(name);
  if (!v) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new HttpError(400, `${name} must be one of ${allowed.join(", ")}`);
  return v as T;
}
