import { createHmac } from "node:crypto";
import { createXeroWebhookSender } from "../../../src/xero/webhooks";
import { correctReceiver, startReceiver, type Answer, type Receiver } from "./receiver";

const webhookKey = "c2VjcmV0LXdlYmhvb2sta2V5LWZvci10aGUtc2FuZGJveA==";
const tenantId = "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f";
const invoiceId = "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777";

describe("Xero webhook intent to receive", () => {
  let receiver: Receiver;
  afterEach(async () => {
    await receiver.stop();
  });

  const handshake = async (
    answer: Answer,
  ): Promise<ReturnType<ReturnType<typeof createXeroWebhookSender>["intentToReceive"]>> => {
    receiver = await startReceiver(answer);
    const sender = createXeroWebhookSender({ url: receiver.url, webhookKey, autoDeliver: false });
    try {
      return await sender.intentToReceive();
    } finally {
      await sender.stop();
    }
  };

  it("passes a receiver that answers 200 to the good signature and 401 to the bad one, with empty bodies", async () => {
    const result = await handshake(correctReceiver(webhookKey));
    expect(result.ok).toBe(true);
    expect(result.checks.map((check) => [check.signature, check.status])).toStrictEqual([
      ["correct", 200],
      ["incorrect", 401],
    ]);
    for (const request of receiver.received) {
      expect(JSON.parse(request.body)).toStrictEqual({
        events: [],
        lastEventSequence: 0,
        firstEventSequence: 0,
        entropy: expect.stringMatching(/^[A-Z]{20}$/),
      });
    }
  });

  it("fails a receiver that accepts every signature", async () => {
    const result = await handshake((_received, res) => {
      res.writeHead(200, { "content-length": 0 });
      res.end();
    });
    expect(result.ok).toBe(false);
    expect(result.checks.find((check) => check.signature === "incorrect")).toMatchObject({ status: 200, ok: false });
  });

  it("fails a receiver that answers with a body or sets a cookie", async () => {
    const withBody = await handshake((received, res) => {
      const good =
        received.headers["x-xero-signature"] ===
        createHmac("sha256", webhookKey).update(received.body).digest("base64");
      res.writeHead(good ? 200 : 401, { "content-type": "text/plain" });
      res.end("thanks");
    });
    expect(withBody.ok).toBe(false);
    expect(withBody.checks.map((check) => [check.status, check.emptyBody])).toStrictEqual([
      [200, false],
      [401, false],
    ]);
    await receiver.stop();
    const withCookie = await handshake((received, res) => {
      res.setHeader("set-cookie", "session=1");
      correctReceiver(webhookKey)(received, res);
    });
    expect(withCookie.ok).toBe(false);
    expect(withCookie.checks[0]).toMatchObject({ status: 200, noCookies: false, ok: false });
  });

  it("fails a receiver that does not answer in time", async () => {
    receiver = await startReceiver(() => {
      // Never answers: the sender must give up after its response timeout (5 s in Xero, shortened here).
    });
    const sender = createXeroWebhookSender({
      url: receiver.url,
      webhookKey,
      autoDeliver: false,
      responseTimeoutMs: 50,
    });
    const result = await sender.intentToReceive();
    await sender.stop();
    expect(result.ok).toBe(false);
    expect(result.checks.map((check) => check.error)).toStrictEqual([
      "no answer within 50 ms",
      "no answer within 50 ms",
    ]);
  });

  it("reports a receiver that cannot be reached", async () => {
    receiver = await startReceiver(correctReceiver(webhookKey));
    const sender = createXeroWebhookSender({ url: "http://127.0.0.1:1/webhook", webhookKey, autoDeliver: false });
    const result = await sender.intentToReceive();
    await sender.stop();
    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({ error: "connection failed", ok: false });
  });

  it("drops events until the handshake passes, then delivers them", async () => {
    receiver = await startReceiver(correctReceiver(webhookKey));
    const sender = createXeroWebhookSender({ url: receiver.url, webhookKey, autoDeliver: false });
    expect(sender.state()).toBe("unverified");
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: Date.now() });
    await sender.flush();
    expect(receiver.received).toHaveLength(0);
    expect(sender.stats().eventsDropped).toBe(1);
    expect((await sender.intentToReceive()).ok).toBe(true);
    expect(sender.state()).toBe("ok");
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "UPDATE", at: Date.now() });
    await sender.flush();
    await sender.stop();
    expect(receiver.received).toHaveLength(3);
    expect(JSON.parse(receiver.received[2]?.body ?? "")).toMatchObject({ events: [{ eventType: "UPDATE" }] });
  });
});
