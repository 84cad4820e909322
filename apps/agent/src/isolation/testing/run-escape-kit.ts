// Installs the escape kit next to a neighbour package through an agent's real API, and declares
// one test per attack and per need. Shared by the host's supervisor test and the lab's machines.
import type { Client } from "@connectrpc/connect";
import { ServiceState, type AgentService } from "@sysward/proto";
import { expect, it } from "vitest";
import { installVia } from "../../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../install/testing/package-fixtures";
import { waitFor } from "../../runtime/testing/wait-for";
import { ATTACKS, escapeKitZip, NEEDS, parseKitOutput, type Attack, type EscapeTargets, type KitResult } from "./escape-kit";

export const NEIGHBOUR = "neighbour";

/** Installs the neighbour; `plant` gets its pid and puts a secret in its state dir before the kit runs. */
export async function runEscapeKit(
  client: Client<typeof AgentService>,
  targets: (neighbourPid: number) => Promise<EscapeTargets> | EscapeTargets,
  opts: { name?: string; idBinary?: string } = {},
): Promise<Map<string, KitResult>> {
  const name = opts.name ?? "escape";
  const other = await installVia(client, { name: NEIGHBOUR, healthSeconds: 0 }, shellServiceZip(NEIGHBOUR, shellBodies.steady(NEIGHBOUR)));
  const kit = escapeKitZip(await targets(other.service!.pids[0]!), opts.idBinary);
  const installed = await installVia(client, { name, healthSeconds: 1 }, kit);
  expect(installed.service?.state).toBe(ServiceState.RUNNING);
  return waitFor(
    async () => {
      const lines: string[] = [];
      for await (const r of client.logs({ name, tailLines: 200, follow: false })) lines.push(r.line);
      return parseKitOutput(lines);
    },
    "the escape kit's results",
    { timeoutMs: 30_000 },
  );
}

/**
 * One test per attack (it must fail) and per need (it must work), each with the kit's own words.
 * `gaps`: attacks a runtime is known to let through, with why; asserted to still get through, so
 * the day one is closed its test says so.
 */
export function itBlocksEveryAttack(results: () => Map<string, KitResult>, gaps: Partial<Record<Attack, string>> = {}): void {
  it.each(ATTACKS.filter((a) => !(a in gaps)))("cannot %s", (attack) => {
    const r = results().get(attack);
    expect(r, `the kit reported nothing for "${attack}"`).toBeDefined();
    expect(r!.succeeded, r!.detail).toBe(false);
  });
  for (const [attack, why] of Object.entries(gaps)) {
    it(`still can ${attack} (known: ${why})`, () => {
      expect(results().get(attack)?.succeeded, "closed: remove it from the known gaps").toBe(true);
    });
  }
  it.each(NEEDS)("can %s", (need) => {
    const r = results().get(need);
    expect(r, `the kit reported nothing for "${need}"`).toBeDefined();
    expect(r!.succeeded, r!.detail).toBe(true);
  });
}
