import type { Client } from "@connectrpc/connect";
import type { AgentService } from "@sysward/proto";

/** One Install call over a real client: the header, then the ZIP in chunks. */
export function installVia(
  client: Client<typeof AgentService>,
  header: { name: string; healthSeconds?: number; sha256?: string },
  zip: Uint8Array,
  chunkSize = 16 * 1024,
) {
  async function* messages() {
    yield { msg: { case: "header" as const, value: header } };
    for (let i = 0; i < zip.length; i += chunkSize) yield { msg: { case: "chunk" as const, value: zip.subarray(i, i + chunkSize) } };
  }
  return client.install(messages());
}
