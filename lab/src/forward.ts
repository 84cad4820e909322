// A TCP forwarder on the host's lab address: lab machines reach a server the host runs on loopback
// (the console under test, bound to 127.0.0.1) at HOST_ADDRESS:port, without the server itself
// listening on any other interface; with `tls`, an https front for it (the console behind a TLS proxy).
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { ensureBridge } from "./network";
import { HOST_ADDRESS } from "./settings";

export interface Forward {
  /** host:port machines use: HOST_ADDRESS:port. */
  address: string;
  close(): Promise<void>;
}

export interface ForwardOptions {
  /** Terminate TLS with this certificate (an https front of a plain-http server, as a proxy would be). */
  tls?: { cert: string; key: string };
  /** The port on HOST_ADDRESS (default: the same as the loopback one; 0: any free one). */
  listenPort?: number;
}

export async function forwardToLoopback(port: number, opts: ForwardOptions = {}): Promise<Forward> {
  await ensureBridge();
  const relay = (inbound: Socket) => {
    const outbound = createConnection({ host: "127.0.0.1", port });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", end);
    outbound.on("error", end);
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, relay) : createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listenPort ?? port, HOST_ADDRESS, resolve);
  });
  return {
    address: `${HOST_ADDRESS}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
