import { createServer, type Server } from "node:http";
import { createXeroIdentity, type XeroIdentity, type XeroIdentityOptions } from "./index";

// A stand-alone identity server (identity routes and /connections on one port) for tests and tools. The sandbox's
// Xero emulator mounts `handle` on its identity port and `handleConnections` on its API port instead.

export interface XeroIdentityServer {
  readonly url: string;
  readonly identity: XeroIdentity;
  stop(): Promise<void>;
}

export async function startXeroIdentityServer(
  options: XeroIdentityOptions & { readonly port?: number },
): Promise<XeroIdentityServer> {
  const identity = createXeroIdentity(options);
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (await identity.handle(req, res)) return;
      if (await identity.handleConnections(req, res)) return;
      res.writeHead(404, { "content-length": 0 });
      res.end();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the identity server has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  if (options.issuer === undefined) identity.setIssuer(url);
  return {
    url,
    identity,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
