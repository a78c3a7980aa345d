import { createHmac } from "node:crypto";
import { ManualClock } from "../../../src/clock";
import {
  createWebhookPayloadValidator,
  createXeroWebhookSender,
  defaultWebhookPayloadValidator,
  verifyXeroWebhook,
  type XeroWebhookSender,
} from "../../../src/xero/webhooks";
import { correctReceiver, startReceiver, type Receiver } from "./receiver";

const webhookKey = "OSd0eLlVIY9ZhViEqlDUh4+6n6M+Lo+eDaEJheJ6OCCgWwIz2D3JIAU6jPMipHRbgKTLz2uJ+xiACXGDBLrgdA==";
const tenantId = "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f";
const invoiceId = "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777";
const contactId = "55d84274-a3da-4829-a7c0-0cab601b95cc";
const creditNoteId = "aef86862-2015-4b6b-88bc-d89032cecc50";
const minute = 60_000;

const hmac = (key: string, body: string): string => createHmac("sha256", key).update(body).digest("base64");

describe("Xero webhook sender", () => {
  let clock: ManualClock;
  let receiver: Receiver;
  let sender: XeroWebhookSender;
  const validate = defaultWebhookPayloadValidator();

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 21, 1, 15, 39, 902));
    receiver = await startReceiver(correctReceiver(webhookKey));
    sender = createXeroWebhookSender({
      clock,
      url: receiver.url,
      webhookKey,
      batchDelayMs: 5000,
      verified: true,
      autoDeliver: false,
      resourceBaseUrl: "http://127.0.0.1:5560/api.xro/2.0",
    });
  });
  afterEach(async () => {
    await sender.stop();
    await receiver.stop();
  });

  it("batches the events of the delay into one signed payload in Xero's shape", async () => {
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: clock.now() });
    sender.send({
      tenantId,
      resource: "CONTACT",
      resourceId: contactId,
      eventType: "UPDATE",
      at: new Date(clock.now() + 1),
    });
    sender.send({
      tenantId,
      resource: "CREDITNOTE",
      resourceId: creditNoteId,
      eventType: "CREATE",
      at: "2026-06-21T01:15:40.000Z",
      data: { Type: "ACCRECCREDIT", Status: "AUTHORISED" },
    });
    clock.advance(4999);
    await sender.deliverDue();
    expect(receiver.received).toHaveLength(0);
    clock.advance(1);
    await sender.deliverDue();
    expect(receiver.received).toHaveLength(1);

    const [request] = receiver.received;
    const payload = JSON.parse(request?.body ?? "") as Record<string, unknown>;
    expect(payload).toStrictEqual({
      events: [
        {
          resourceUrl: `http://127.0.0.1:5560/api.xro/2.0/Invoices/${invoiceId}`,
          resourceId: invoiceId,
          eventDateUtc: "2026-06-21T01:15:39.902",
          eventType: "CREATE",
          eventCategory: "INVOICE",
          tenantId,
          tenantType: "ORGANISATION",
        },
        {
          resourceUrl: `http://127.0.0.1:5560/api.xro/2.0/Contacts/${contactId}`,
          resourceId: contactId,
          eventDateUtc: "2026-06-21T01:15:39.903",
          eventType: "UPDATE",
          eventCategory: "CONTACT",
          tenantId,
          tenantType: "ORGANISATION",
        },
        {
          resourceUrl: `http://127.0.0.1:5560/api.xro/2.0/CreditNotes/${creditNoteId}`,
          resourceId: creditNoteId,
          eventDateUtc: "2026-06-21T01:15:40.000",
          eventType: "CREATE",
          eventCategory: "CREDITNOTE",
          tenantId,
          tenantType: "ORGANISATION",
          data: { Type: "ACCRECCREDIT", Status: "AUTHORISED" },
        },
      ],
      firstEventSequence: 1,
      lastEventSequence: 3,
      entropy: expect.stringMatching(/^[A-Z]{20}$/),
    });
    expect(request?.headers["content-type"]).toContain("application/json");
    expect(validate(payload)).toStrictEqual([]);
    expect(sender.stats()).toMatchObject({
      eventsDelivered: 3,
      deliveriesSucceeded: 1,
      payloadsValidated: 1,
      specViolations: [],
    });

    // The next batch continues the sequence.
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "UPDATE", at: clock.now() });
    await sender.flush();
    const next = JSON.parse(receiver.received[1]?.body ?? "") as {
      firstEventSequence: number;
      lastEventSequence: number;
    };
    expect([next.firstEventSequence, next.lastEventSequence]).toStrictEqual([4, 4]);
  });

  it("signs the raw body: HMAC-SHA256 with the webhook key, base64, and a changed body no longer matches", async () => {
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "UPDATE", at: clock.now() });
    await sender.flush();
    const request = receiver.received[0];
    const body = request?.body ?? "";
    const signature = request?.headers["x-xero-signature"];
    expect(signature).toBe(hmac(webhookKey, body));
    expect(verifyXeroWebhook(webhookKey, body, String(signature))).toBe(true);
    const altered = body.replace('"UPDATE"', '"CREATE"');
    expect(altered).not.toBe(body);
    expect(hmac(webhookKey, altered)).not.toBe(signature);
    expect(verifyXeroWebhook(webhookKey, altered, String(signature))).toBe(false);
    expect(verifyXeroWebhook("another-key", body, String(signature))).toBe(false);
    expect(verifyXeroWebhook(webhookKey, body, undefined)).toBe(false);
  });

  it("refuses malformed events and credit note events without Type and Status", () => {
    expect(() =>
      sender.send({ tenantId: "nope", resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: 0 }),
    ).toThrow();
    expect(() =>
      sender.send({ tenantId, resource: "PAYMENT" as "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: 0 }),
    ).toThrow();
    expect(() =>
      sender.send({ tenantId, resource: "CREDITNOTE", resourceId: creditNoteId, eventType: "CREATE", at: 0 }),
    ).toThrow(/Type, Status/);
    expect(sender.stats()).toMatchObject({ eventsAccepted: 0, eventsRefused: 3 });
  });

  it("retries a failed delivery with the same body and signature, with decreasing frequency", async () => {
    let failures = 2;
    receiver.answer = (received, res) => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(503, { "content-length": 0 });
        res.end();
        return;
      }
      correctReceiver(webhookKey)(received, res);
    };
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: clock.now() });
    await sender.flush();
    expect(sender.state()).toBe("failing");
    expect(sender.pending()).toStrictEqual([
      { firstEventSequence: 1, lastEventSequence: 1, attempts: 1, nextAttemptAt: clock.now() + minute },
    ]);
    clock.advance(minute - 1);
    await sender.deliverDue();
    expect(receiver.received).toHaveLength(1);
    clock.advance(1);
    await sender.deliverDue();
    expect(receiver.received).toHaveLength(2);
    expect(sender.pending()[0]?.nextAttemptAt).toBe(clock.now() + 2 * minute);
    clock.advance(2 * minute);
    await sender.deliverDue();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers["x-xero-signature"])).size).toBe(1);
    expect(sender.state()).toBe("ok");
    expect(sender.attempts().map((a) => [a.attempt, a.status, a.ok])).toStrictEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
  });

  it("treats a non-200 success code and an unreachable URL as failures", async () => {
    receiver.answer = (_received, res) => {
      res.writeHead(204);
      res.end();
    };
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: clock.now() });
    await sender.flush();
    expect(sender.attempts()[0]).toMatchObject({ status: 204, ok: false });
    sender.setUrl("http://127.0.0.1:1/unreachable");
    expect(sender.state()).toBe("unverified");
  });

  it("disables the subscription after 24 hours of failures and drops what was waiting", async () => {
    receiver.answer = (_received, res) => {
      res.writeHead(500, { "content-length": 0 });
      res.end();
    };
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: clock.now() });
    await sender.flush();
    for (let hours = 0; hours < 48 && sender.state() !== "disabled"; hours += 1) {
      clock.advance(60 * minute);
      await sender.deliverDue();
    }
    expect(sender.state()).toBe("disabled");
    expect(sender.pending()).toStrictEqual([]);
    const attempts = sender.attempts().length;
    sender.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "UPDATE", at: clock.now() });
    await sender.flush();
    expect(sender.attempts()).toHaveLength(attempts);
    expect(sender.stats().eventsDropped).toBe(2);
  });

  it("sends only the subscribed categories", async () => {
    const invoicesOnly = createXeroWebhookSender({
      clock,
      url: receiver.url,
      webhookKey,
      verified: true,
      autoDeliver: false,
      categories: ["INVOICE"],
    });
    invoicesOnly.send({ tenantId, resource: "CONTACT", resourceId: contactId, eventType: "CREATE", at: clock.now() });
    invoicesOnly.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: clock.now() });
    await invoicesOnly.flush();
    await invoicesOnly.stop();
    const payload = JSON.parse(receiver.received[0]?.body ?? "") as { events: { eventCategory: string }[] };
    expect(payload.events.map((event) => event.eventCategory)).toStrictEqual(["INVOICE"]);
  });

  it("sends only for organisations connected to the app when told which are", async () => {
    const otherTenant = "0b6a4f3e-2d1c-4b5a-9e8f-7a6b5c4d3e2f";
    const connectedOnly = createXeroWebhookSender({
      clock,
      url: receiver.url,
      webhookKey,
      verified: true,
      autoDeliver: false,
      isConnected: (candidate) => candidate === tenantId,
    });
    connectedOnly.send({
      tenantId: otherTenant,
      resource: "INVOICE",
      resourceId: invoiceId,
      eventType: "CREATE",
      at: clock.now(),
    });
    connectedOnly.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "UPDATE", at: clock.now() });
    await connectedOnly.flush();
    await connectedOnly.stop();
    const payload = JSON.parse(receiver.received[0]?.body ?? "") as { events: { tenantId: string }[] };
    expect(payload.events.map((event) => event.tenantId)).toStrictEqual([tenantId]);
    expect(connectedOnly.stats().eventsDropped).toBe(1);
  });

  it("delivers on its own timer when autoDeliver is on", async () => {
    const live = createXeroWebhookSender({
      url: receiver.url,
      webhookKey,
      verified: true,
      batchDelayMs: 10,
      pollIntervalMs: 10,
    });
    live.send({ tenantId, resource: "INVOICE", resourceId: invoiceId, eventType: "CREATE", at: Date.now() });
    await receiver.waitFor(1);
    await live.stop();
    expect(JSON.parse(receiver.received[0]?.body ?? "")).toMatchObject({ firstEventSequence: 1, lastEventSequence: 1 });
  });
});

describe("Xero webhook payload validation against the vendored spec", () => {
  const validate = createWebhookPayloadValidator();
  const event = {
    resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/${invoiceId}`,
    resourceId: invoiceId,
    eventDateUtc: "2024-06-21T01:15:39.902",
    eventType: "UPDATE",
    eventCategory: "INVOICE",
    tenantId,
    tenantType: "ORGANISATION",
  };
  const payload = (events: unknown[]): unknown => ({
    events,
    firstEventSequence: 1,
    lastEventSequence: 1,
    entropy: "S0m3r4Nd0mt3xt",
  });

  it("accepts Xero's own example and rejects what the spec forbids", () => {
    expect(validate(payload([event]))).toStrictEqual([]);
    expect(validate(payload([{ ...event, eventCategory: "PAYMENT" }])).length).toBeGreaterThan(0);
    expect(validate(payload([{ ...event, tenantId: "not-a-uuid" }])).length).toBeGreaterThan(0);
    expect(
      validate({ events: [event], firstEventSequence: 0, lastEventSequence: 1, entropy: "x" }).length,
    ).toBeGreaterThan(0);
    expect(validate(payload([{ ...event, eventCategory: "CREDITNOTE" }])).length).toBeGreaterThan(0);
    expect(
      validate(payload([{ ...event, eventCategory: "CREDITNOTE", data: { Type: "ACCPAYCREDIT", Status: "DRAFT" } }])),
    ).toStrictEqual([]);
  });
});
