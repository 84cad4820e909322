// A TCP forwarder on the host's lab address: lab machines reach a server the host runs on loopback
// (the console under test, bound to 127.0.0.1) at HOST_ADDRESS:port, without the server itself
// listening on any other interface.
import { createConnection, createServer, type Server } from "node:net";
import { ensureBridge } from "./network";
import { HOST_ADDRESS } from "./settings";

export interface Forward {
  /** The URL base machines use: http://HOST_ADDRESS:port. */
  address: string;
  close(): Promise<void>;
}

export async function forwardToLoopback(port: number): Promise<Forward> {
  await ensureBridge();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: "127.0.0.1", port });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", end);
    outbound.on("error", end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST_ADDRESS, resolve);
  });
  return {
    address: `${HOST_ADDRESS}:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
