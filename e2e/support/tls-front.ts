// The console behind https, as a TLS-terminating proxy puts it: a TLS server on a free 127.0.0.1
// port whose connections are relayed, decrypted, to the console's plain-http port. It adds no
// forwarded headers, so the console itself cannot tell its clients came over https.
import { createConnection, type AddressInfo } from "node:net";
import { createServer, type Server } from "node:tls";

export interface TlsFront {
  url: string;
  close(): Promise<void>;
}

export async function tlsFront(consolePort: number, cert: { cert: string; key: string }): Promise<TlsFront> {
  const server: Server = createServer(cert, (inbound) => {
    const outbound = createConnection({ host: "127.0.0.1", port: consolePort });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
