// A plain HTTP/2 GET over the agent's socket, for the non-RPC paths (/debug/vars).
import http2 from "node:http2";
import net from "node:net";

export async function http2Get(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http2.IncomingHttpHeaders }> {
  const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) });
  try {
    return await new Promise((resolve, reject) => {
      session.once("error", reject);
      const req = session.request({ ":path": path, ":method": "GET", ...headers });
      let status = 0;
      let resHeaders: http2.IncomingHttpHeaders = {};
      let body = "";
      req.setEncoding("utf8");
      req.on("response", (h) => {
        status = Number(h[":status"]);
        resHeaders = h;
      });
      req.on("data", (c: string) => (body += c));
      req.on("end", () => resolve({ status, body, headers: resHeaders }));
      req.on("error", reject);
      req.end();
    });
  } finally {
    session.close();
  }
}
