// Runs one test body against every protocol the agent serves (STYLE.md 1.5).
import { describe } from "vitest";
import { TRANSPORT_KINDS, type TransportKind } from "../../client/socket-transport";

export function describeEachTransport(title: string, body: (kind: TransportKind) => void): void {
  describe.each(TRANSPORT_KINDS.map((k) => [k]))(`${title} over %s`, (kind) => body(kind));
}
