import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { HttpHandler, HttpRequest, InvocationContext, Timer } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import type { FunctionDefinition } from "../../../azure-functions/src/function-table";
import { startAzurite, type Azurite } from "../../src/azurite";
import { startFunctionsHost, type FunctionsHost, type HostLogEntry } from "../../src/functions-host";

const toBase64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("the local Functions host", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  describe("HTTP triggers", () => {
    let host: FunctionsHost;
    const seen: Array<{
      params: Record<string, string>;
      body: Buffer;
      signature: string | null;
      functionName: string;
    }> = [];
    const webhookKey = "webhook-signing-key";
    const table: FunctionDefinition[] = [
      {
        kind: "http",
        name: "xeroWebhook",
        route: "webhooks/xero",
        methods: ["POST"],
        authLevel: "anonymous",
        handler: async (request: HttpRequest, context: InvocationContext) => {
          const body = Buffer.from(await request.arrayBuffer());
          seen.push({
            params: request.params,
            body,
            signature: request.headers.get("x-xero-signature"),
            functionName: context.functionName,
          });
          const expected = createHmac("sha256", webhookKey).update(body).digest("base64");
          return { status: expected === request.headers.get("x-xero-signature") ? 200 : 401 };
        },
      },
      {
        kind: "http",
        name: "getConnection",
        route: "connections/{id}",
        methods: ["GET"],
        authLevel: "function",
        handler: (request: HttpRequest, context: InvocationContext) => ({
          status: 200,
          jsonBody: {
            id: request.params.id,
            query: request.query.get("q"),
            invocation: context.invocationId.length > 0,
          },
          headers: { "x-custom": "yes" },
          cookies: [{ name: "session", value: "abc", httpOnly: true, path: "/" }],
        }),
      },
      {
        kind: "http",
        name: "adminOnly",
        route: "admin-ops/purge",
        methods: ["POST"],
        authLevel: "admin",
        handler: () => ({ status: 202 }),
      },
      {
        kind: "http",
        name: "crash",
        route: "crash",
        methods: ["GET"],
        authLevel: "anonymous",
        handler: () => {
          throw new Error("boom");
        },
      },
      // Plain JavaScript handlers can return nothing even though the types ask for a response.
      {
        kind: "http",
        name: "nothing",
        route: "nothing",
        methods: ["GET"],
        authLevel: "anonymous",
        handler: (() => undefined) as unknown as HttpHandler,
      },
    ];

    beforeAll(async () => {
      host = await startFunctionsHost({ table, storageConnectionString: azurite.connectionString, port: 0 });
    });
    afterAll(async () => {
      await host.stop();
    });

    it("answers 401 without a key and runs with the key in `code` or `x-functions-key`", async () => {
      expect((await fetch(`${host.apiUrl}/connections/c1`)).status).toBe(401);
      expect((await fetch(`${host.apiUrl}/connections/c1?code=wrong`)).status).toBe(401);
      const viaQuery = await fetch(
        `${host.apiUrl}/connections/c1?q=hello&code=${encodeURIComponent(host.functionKey)}`,
      );
      expect(viaQuery.status).toBe(200);
      expect(await viaQuery.json()).toStrictEqual({ id: "c1", query: "hello", invocation: true });
      const viaHeader = await fetch(`${host.apiUrl}/connections/c%2F2`, {
        headers: { "x-functions-key": host.functionKey },
      });
      expect(viaHeader.status).toBe(200);
      expect(viaHeader.headers.get("content-type")).toBe("application/json");
      expect(viaHeader.headers.get("x-custom")).toBe("yes");
      expect(viaHeader.headers.getSetCookie()).toStrictEqual(["session=abc; Path=/; HttpOnly"]);
      expect(((await viaHeader.json()) as { id: string }).id).toBe("c/2");
      // Route matching ignores case, prefix included; parameter values keep theirs.
      const shouted = await fetch(`${host.url}/API/Connections/AbC?code=${encodeURIComponent(host.functionKey)}`);
      expect(((await shouted.json()) as { id: string }).id).toBe("AbC");
    });

    it("lets only the master key into admin-level functions", async () => {
      expect(
        (
          await fetch(`${host.apiUrl}/admin-ops/purge`, {
            method: "POST",
            headers: { "x-functions-key": host.functionKey },
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await fetch(`${host.apiUrl}/admin-ops/purge`, {
            method: "POST",
            headers: { "x-functions-key": host.masterKey },
          })
        ).status,
      ).toBe(202);
    });

    it("answers 404 for unknown routes and for a known route with another method", async () => {
      expect((await fetch(`${host.apiUrl}/nowhere`)).status).toBe(404);
      expect((await fetch(`${host.url}/webhooks/xero`, { method: "POST" })).status).toBe(404);
      expect((await fetch(`${host.apiUrl}/webhooks/xero`)).status).toBe(404);
    });

    it("hands the handler the raw body bytes, so a signature over them verifies", async () => {
      // Odd spacing, key order and a non-ASCII character: any re-serialisation would break the HMAC.
      const raw = Buffer.from(
        '{ "events":[ ],"firstEventSequence": 0,"lastEventSequence":0, "entropy":"ÄÖ\\u00e9"}\n',
        "utf8",
      );
      const signature = createHmac("sha256", webhookKey).update(raw).digest("base64");
      const answer = await fetch(`${host.apiUrl}/webhooks/xero`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-xero-signature": signature },
        body: raw,
      });
      expect(answer.status).toBe(200);
      const last = seen.at(-1);
      expect(last?.body.equals(raw)).toBe(true);
      expect(last?.functionName).toBe("xeroWebhook");
      const tampered = await fetch(`${host.apiUrl}/webhooks/xero`, {
        method: "POST",
        headers: { "x-xero-signature": signature },
        body: Buffer.concat([raw, Buffer.from(" ")]),
      });
      expect(tampered.status).toBe(401);
    });

    it("applies the host's request limits: 414 for a URL over 4 KB, 413 for a body over 100 MB", async () => {
      expect((await fetch(`${host.apiUrl}/webhooks/xero?pad=${"x".repeat(5_000)}`, { method: "POST" })).status).toBe(
        414,
      );
      // Declared, not sent: the host answers from the Content-Length before reading the body.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const request = httpRequest(`${host.apiUrl}/webhooks/xero`, {
          method: "POST",
          headers: { "content-length": String(104_857_600 + 1) },
        });
        request.on("response", (response) => {
          response.resume();
          request.destroy();
          resolve(response.statusCode);
        });
        request.on("error", reject);
        request.write("{}");
      });
      expect(status).toBe(413);
    });

    it("turns an unhandled error into a bare 500 and no answer into 204", async () => {
      const crash = await fetch(`${host.apiUrl}/crash`);
      expect(crash.status).toBe(500);
      expect(await crash.text()).toBe("");
      expect((await fetch(`${host.apiUrl}/nothing`)).status).toBe(204);
    });
  });

  describe("timer triggers", () => {
    it("fires on an accelerated schedule and hands over the timer object", async () => {
      const calls: Timer[] = [];
      let reached: () => void = () => undefined;
      const twoCalls = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const host = await startFunctionsHost({
        // Every 15 minutes at speedUp 3600 is every 0.25 s.
        speedUp: 3600,
        storageConnectionString: azurite.connectionString,
        table: [
          {
            kind: "timer",
            name: "pullPayments",
            schedule: "0 */15 * * * *",
            handler: (timer: Timer) => {
              calls.push(timer);
              if (calls.length === 2) reached();
            },
          },
        ],
      });
      try {
        await twoCalls;
      } finally {
        await host.stop();
      }
      const [first, second] = calls as [Timer, Timer];
      expect(first.isPastDue).toBe(false);
      expect(first.schedule).toStrictEqual({ adjustForDST: true });
      // Each occurrence is a quarter past, half past, … of the virtual clock.
      expect(new Date(second.scheduleStatus.last).getUTCMinutes() % 15).toBe(0);
      expect(new Date(second.scheduleStatus.next).getUTCSeconds()).toBe(0);
      // One quarter of an hour apart, or a multiple when a busy machine made the host skip an occurrence.
      const gap = Date.parse(second.scheduleStatus.next) - Date.parse(second.scheduleStatus.last);
      expect(gap).toBeGreaterThan(0);
      expect(gap % (15 * 60_000)).toBe(0);
    });

    it("runs on startup when asked, on demand through runTimer and the admin API, and reads %SETTING% schedules", async () => {
      const reasons: string[] = [];
      const logs: HostLogEntry[] = [];
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        env: { SYNC_SCHEDULE: "0 0 0 1 1 *" },
        logger: (entry) => logs.push(entry),
        table: [
          {
            kind: "timer",
            name: "yearly",
            schedule: "%SYNC_SCHEDULE%",
            runOnStartup: true,
            handler: (_timer: Timer, context: InvocationContext) => {
              reasons.push(context.functionName);
              context.log("ran once more");
            },
          },
        ],
      });
      try {
        await host.waitForIdle();
        expect(reasons).toStrictEqual(["yearly"]);
        await host.runTimer("yearly");
        expect(reasons).toHaveLength(2);
        expect((await fetch(`${host.url}/admin/functions/yearly`, { method: "POST", body: "{}" })).status).toBe(401);
        const accepted = await fetch(`${host.url}/admin/functions/yearly`, {
          method: "POST",
          headers: { "x-functions-key": host.masterKey, "content-type": "application/json" },
          body: JSON.stringify({ input: "" }),
        });
        expect(accepted.status).toBe(202);
        await host.waitForIdle();
        expect(reasons).toHaveLength(3);
      } finally {
        await host.stop();
      }
      expect(logs.some((entry) => entry.category === "function" && entry.message === "ran once more")).toBe(true);
      expect(logs.some((entry) => entry.message.startsWith("Executed 'Functions.yearly' (Succeeded"))).toBe(true);
    });

    it("refuses function names the real host refuses", async () => {
      for (const name of ["host", "9lives", "has space", "a".repeat(129)]) {
        await expect(
          startFunctionsHost({
            storageConnectionString: azurite.connectionString,
            table: [{ kind: "timer", name, schedule: "0 0 0 1 1 *", handler: () => undefined }],
          }),
        ).rejects.toThrow(/not a valid function name/);
      }
    });

    it("refuses a schedule it cannot parse", async () => {
      await expect(
        startFunctionsHost({
          storageConnectionString: azurite.connectionString,
          table: [{ kind: "timer", name: "bad", schedule: "*/5 * * * *", handler: () => undefined }],
        }),
      ).rejects.toThrow(/six/);
    });
  });

  describe("Storage Queue triggers", () => {
    let counter = 0;
    const freshQueue = async (): Promise<QueueClient> => {
      counter += 1;
      const queue = new QueueClient(azurite.connectionString, `work-${Date.now()}-${counter}`);
      await queue.create();
      return queue;
    };

    it("decodes base64, parses JSON as the worker does and passes the trigger metadata", async () => {
      const queue = await freshQueue();
      const received: Array<{ entry: unknown; metadata: Record<string, unknown> | undefined }> = [];
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        table: [
          {
            kind: "storageQueue",
            name: "work",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: (entry: unknown, context: InvocationContext) => {
              received.push({ entry, metadata: context.triggerMetadata });
            },
          },
        ],
      });
      try {
        await queue.sendMessage(toBase64(JSON.stringify({ connectionId: "c1", flow: "InvoicesToXero" })));
        await queue.sendMessage(toBase64("plain text"));
        await host.waitForIdle();
      } finally {
        await host.stop();
      }
      const json = received.find((r) => typeof r.entry === "object");
      expect(json?.entry).toStrictEqual({ connectionId: "c1", flow: "InvoicesToXero" });
      expect(json?.metadata).toMatchObject({
        dequeueCount: 1,
        queueTrigger: { connectionId: "c1", flow: "InvoicesToXero" },
      });
      expect(typeof json?.metadata?.id).toBe("string");
      expect(Number.isNaN(Date.parse(String(json?.metadata?.insertionTime)))).toBe(false);
      expect(received.map((r) => r.entry)).toContain("plain text");
      expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    });

    it("retries a failing message and moves it to <queue>-poison after five attempts", async () => {
      const queue = await freshQueue();
      const attempts: number[] = [];
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        settings: { queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 } },
        table: [
          {
            kind: "storageQueue",
            name: "alwaysFails",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: (_entry: unknown, context: InvocationContext) => {
              attempts.push(context.triggerMetadata?.dequeueCount as number);
              throw new Error("transient failure");
            },
          },
        ],
      });
      const original = toBase64(JSON.stringify({ record: "inv-1" }));
      try {
        await queue.sendMessage(original);
        await host.waitForIdle();
      } finally {
        await host.stop();
      }
      expect(attempts).toStrictEqual([1, 2, 3, 4, 5]);
      const poison = new QueueClient(azurite.connectionString, `${queue.name}-poison`);
      const poisoned = await poison.receiveMessages({ numberOfMessages: 32 });
      expect(poisoned.receivedMessageItems.map((m) => m.messageText)).toStrictEqual([original]);
      expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    });

    it("succeeds on a retry without poisoning, and waits visibilityTimeout between attempts", async () => {
      const queue = await freshQueue();
      const attempts: number[] = [];
      const attemptedAt: number[] = [];
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        settings: { queues: { visibilityTimeoutMs: 1_000, maxPollingIntervalMs: 200 } },
        table: [
          {
            kind: "storageQueue",
            name: "failsOnce",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: (_entry: unknown, context: InvocationContext) => {
              const dequeueCount = context.triggerMetadata?.dequeueCount as number;
              attempts.push(dequeueCount);
              attemptedAt.push(Date.now());
              if (dequeueCount === 1) throw new Error("first attempt fails");
            },
          },
        ],
      });
      try {
        await queue.sendMessage(toBase64("{}"));
        await host.waitForIdle();
      } finally {
        await host.stop();
      }
      expect(attempts).toStrictEqual([1, 2]);
      // The failed message stayed invisible for the visibility timeout (a lower bound, not a speed measure).
      const [first, second] = attemptedAt as [number, number];
      expect(second - first).toBeGreaterThanOrEqual(1_000);
      const poison = new QueueClient(azurite.connectionString, `${queue.name}-poison`);
      expect(await poison.exists()).toBe(false);
    });

    it("sends a message that is not base64 straight to the poison queue without running the function", async () => {
      const queue = await freshQueue();
      let runs = 0;
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        table: [
          {
            kind: "storageQueue",
            name: "strict",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: () => {
              runs += 1;
            },
          },
        ],
      });
      try {
        await queue.sendMessage('{"not":"base64"}');
        await host.waitForIdle();
      } finally {
        await host.stop();
      }
      expect(runs).toBe(0);
      const poison = new QueueClient(azurite.connectionString, `${queue.name}-poison`);
      const poisoned = await poison.receiveMessages();
      expect(poisoned.receivedMessageItems[0]?.messageText).toBe('{"not":"base64"}');
    });

    it("processes a batch concurrently, up to batchSize at a time", async () => {
      const queue = await freshQueue();
      let running = 0;
      let peak = 0;
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        settings: { queues: { batchSize: 4, newBatchThreshold: 0 } },
        table: [
          {
            kind: "storageQueue",
            name: "parallel",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: async () => {
              running += 1;
              peak = Math.max(peak, running);
              await gate;
              running -= 1;
            },
          },
        ],
      });
      try {
        for (let i = 0; i < 6; i += 1) await queue.sendMessage(toBase64(String(i)));
        for (let i = 0; i < 250 && peak < 4; i += 1) await new Promise((r) => setTimeout(r, 20));
        const peakWhileBlocked = peak;
        release();
        await host.waitForIdle();
        expect(peakWhileBlocked).toBe(4);
      } finally {
        await host.stop();
      }
      expect(peak).toBe(4);
    });

    it("counts an invocation past functionTimeout as failed, so the message is retried and then poisoned", async () => {
      const queue = await freshQueue();
      let attempts = 0;
      const host = await startFunctionsHost({
        storageConnectionString: azurite.connectionString,
        settings: { functionTimeoutMs: 100, queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 } },
        table: [
          {
            kind: "storageQueue",
            name: "hangs",
            queueName: queue.name,
            connection: "AzureWebJobsStorage",
            handler: () => {
              attempts += 1;
              return new Promise<void>(() => undefined);
            },
          },
        ],
      });
      try {
        await queue.sendMessage(toBase64("{}"));
        await host.waitForIdle();
      } finally {
        await host.stop();
      }
      expect(attempts).toBe(5);
      const poison = new QueueClient(azurite.connectionString, `${queue.name}-poison`);
      expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
    });

    it("fails to start when a queue function's connection setting is missing", async () => {
      await expect(
        startFunctionsHost({
          storageConnectionString: azurite.connectionString,
          table: [
            { kind: "storageQueue", name: "q", queueName: "q", connection: "MissingStorage", handler: () => undefined },
          ],
        }),
      ).rejects.toThrow(/MissingStorage/);
    });
  });
});
