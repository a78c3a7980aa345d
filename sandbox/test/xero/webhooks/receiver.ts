import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";

// A tiny webhook receiver for the tests: records every raw body and its headers, and answers as the test says.
// By default it behaves as Xero asks a receiver to: 200 with no body for a correct signature, 401 otherwise.

export interface Received {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

export type Answer = (received: Received, res: ServerResponse) => void;

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  answer: Answer;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  stop(): Promise<void>;
}

export const correctReceiver =
  (webhookKey: string): Answer =>
  (received, res) => {
    const expected = createHmac("sha256", webhookKey).update(received.body).digest("base64");
    res.writeHead(received.headers["x-xero-signature"] === expected ? 200 : 401, { "content-length": 0 });
    res.end();
  };

export async function startReceiver(answer: Answer): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: Omit<Receiver, "url"> & { url: string } = {
    url: "",
    received,
    answer,
    waitFor: (count) =>
      received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry = { body: Buffer.concat(chunks).toString("utf8"), headers: req.headers };
      received.push(entry);
      receiver.answer(entry, res);
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("receiver has no port");
  receiver.url = `http://127.0.0.1:${address.port}/api/xero/webhook`;
  return receiver;
}
