// The two receivers with in-memory ports: authentication before anything is enqueued, parsing, mapping, dedup.
import { createHmac } from "node:crypto";
import { createMemoryWorkQueue } from "../../src/adapters/queue/work-queue";
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../src/core/clock";
import { silentLogger } from "../../src/core/logger";
import {
  receiveDataverseWebhook,
  toDataverseWebhookKey,
  webhookKeyHeader,
  type IncomingWebhook,
} from "../../src/realtime/dataverse-receiver";
import { createConnectionDirectory } from "../../src/realtime/directory";
import { createMemoryRealtimeStore } from "../../src/realtime/realtime-store";
import { receiveXeroWebhook } from "../../src/realtime/xero-receiver";

const secret = "a-signing-secret-that-is-long-enough-0123456789";
const xeroKey = "xero-webhook-key-0123456789";
const orgId = "4ef5b371-e89e-e711-8122-000d3aa2331c";
const invoiceId = "6d81597f-0f9f-e711-8122-000d3aa2331c";
const tenantId = "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f";

function connection(id: string, overrides: Partial<Connection> = {}): Connection {
  return {
    id,
    dataverse: { url: "https://contoso.crm.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "s" },
    xero: { tenantId, tenantName: "Demo" },
    connectorId: "0a0a0a0a-0000-0000-0000-000000000001",
    status: "connected",
    statusReason: null,
    createdOn: "2026-03-02T09:00:00.000Z",
    updatedOn: "2026-03-02T09:00:00.000Z",
    ...overrides,
  };
}

function setUp(connections: Connection[] = [connection("conn-1")]) {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
  const store = createMemoryRealtimeStore(clock);
  const queue = createMemoryWorkQueue();
  const directory = createConnectionDirectory({
    connections: {
      get: (id) => Promise.resolve(connections.find((c) => c.id === id)),
      list: () => Promise.resolve(connections),
    },
    store,
    clock,
  });
  return {
    clock,
    store,
    queue,
    directory,
    dataverse: { keySecret: secret, directory, store, queue, clock, logger: silentLogger },
    xero: { webhookKey: xeroKey, directory, store, queue, clock, logger: silentLogger },
  };
}

function invoiceBody(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    InputParameters: [
      {
        key: "Target",
        value: {
          __type: "Entity:http://schemas.microsoft.com/xrm/2011/Contracts",
          Attributes: [
            { key: "mag_addtoxero", value: true },
            { key: "invoiceid", value: invoiceId },
          ],
          Id: invoiceId,
          LogicalName: "invoice",
        },
      },
    ],
    MessageName: "Update",
    OrganizationId: orgId,
    OrganizationName: "contoso",
    PrimaryEntityId: invoiceId,
    PrimaryEntityName: "invoice",
    CorrelationId: "corr-1",
    ...overrides,
  });
}

function request(
  body: string,
  options: { code?: string; header?: string; connection?: string; headers?: Record<string, string> } = {},
): IncomingWebhook {
  const query: Record<string, string | undefined> = { code: options.code, connection: options.connection };
  const headers: Record<string, string | undefined> = {
    "x-ms-dynamics-organization": "contoso.crm.dynamics.com",
    [webhookKeyHeader]: options.header,
    ...options.headers,
  };
  return { query: (name) => query[name], header: (name) => headers[name.toLowerCase()], body };
}

describe("receiveDataverseWebhook", () => {
  it("records the event and enqueues one small message for an invoice with Add to Xero on", async () => {
    const { dataverse, queue, store } = setUp();
    const outcome = await receiveDataverseWebhook(
      request(invoiceBody(), { code: toDataverseWebhookKey(secret, "conn-1") }),
      dataverse,
    );
    expect(outcome).toStrictEqual({
      status: 202,
      result: "enqueued",
      connectionId: "conn-1",
      recordId: invoiceId,
      correlationId: "corr-1",
    });
    expect(queue.messages.map((entry) => entry.message)).toStrictEqual([
      {
        connectionId: "conn-1",
        flow: "InvoicesToXero",
        reason: "realtime",
        recordId: invoiceId,
        correlationId: "corr-1",
        enqueuedAt: "2026-03-02T09:00:00.000Z",
      },
    ]);
    expect(await store.isMarked("conn-1", "InvoicesToXero", invoiceId)).toBe(true);
    // The organisation is now known by id.
    expect(await store.getOrganisation(orgId)).toBe("conn-1");
  });

  it("takes the key from a header too, and the connection the URL names", async () => {
    const { dataverse, queue } = setUp([connection("conn-1"), connection("conn-2")]);
    const outcome = await receiveDataverseWebhook(
      request(invoiceBody(), { header: toDataverseWebhookKey(secret, "conn-2"), connection: "conn-2" }),
      dataverse,
    );
    expect(outcome).toMatchObject({ status: 202, connectionId: "conn-2" });
    expect(queue.messages).toHaveLength(1);
  });

  it.each([
    ["no key", {}],
    ["a wrong key", { code: "forged" }],
    ["another connection's key", { code: toDataverseWebhookKey(secret, "conn-2") }],
    [
      "a key for a connection named in the URL that does not exist",
      { code: toDataverseWebhookKey(secret, "nope"), connection: "nope" },
    ],
    ["a connection id no table key can hold", { code: "x", connection: "a/b" }],
  ])("answers 401 and enqueues nothing for %s", async (_label, options) => {
    const { dataverse, queue, store } = setUp();
    expect((await receiveDataverseWebhook(request(invoiceBody(), options), dataverse)).status).toBe(401);
    expect(queue.messages).toHaveLength(0);
    expect(store.markers().size).toBe(0);
  });

  it("answers 401 for an organisation it does not know", async () => {
    const { dataverse, queue } = setUp();
    const outcome = await receiveDataverseWebhook(
      request(invoiceBody(), {
        code: toDataverseWebhookKey(secret, "conn-1"),
        headers: { "x-ms-dynamics-organization": "fabrikam.crm.dynamics.com" },
      }),
      dataverse,
    );
    expect(outcome.status).toBe(401);
    expect(queue.messages).toHaveLength(0);
  });

  it.each([
    ["not JSON", "{"],
    ["not a context", JSON.stringify({ hello: "world" })],
    ["an empty body", ""],
  ])("answers 400 and enqueues nothing for %s", async (_label, body) => {
    const { dataverse, queue } = setUp();
    expect(
      (await receiveDataverseWebhook(request(body, { code: toDataverseWebhookKey(secret, "conn-1") }), dataverse))
        .status,
    ).toBe(400);
    expect(queue.messages).toHaveLength(0);
  });

  it("acknowledges and ignores what needs no push", async () => {
    const { dataverse, queue } = setUp();
    const body = invoiceBody({
      InputParameters: [
        {
          key: "Target",
          value: { Attributes: [{ key: "mag_addtoxero", value: false }], Id: invoiceId, LogicalName: "invoice" },
        },
      ],
    });
    expect(
      await receiveDataverseWebhook(request(body, { code: toDataverseWebhookKey(secret, "conn-1") }), dataverse),
    ).toMatchObject({ status: 202, result: "ignored" });
    expect(queue.messages).toHaveLength(0);
  });

  it("enqueues a cut context (x-ms-dynamics-msg-size-exceeded) so the worker re-reads the row", async () => {
    const { dataverse, queue } = setUp();
    const cut = invoiceBody({ InputParameters: [], PostEntityImages: [], PreEntityImages: [], ParentContext: null });
    const outcome = await receiveDataverseWebhook(
      request(cut, {
        code: toDataverseWebhookKey(secret, "conn-1"),
        headers: { "x-ms-dynamics-msg-size-exceeded": "true" },
      }),
      dataverse,
    );
    expect(outcome).toMatchObject({ status: 202, result: "enqueued", recordId: invoiceId });
    expect(queue.messages).toHaveLength(1);
  });

  it("ignores events of a disconnected connection", async () => {
    const { dataverse, queue } = setUp([connection("conn-1", { status: "disconnected" })]);
    expect(
      await receiveDataverseWebhook(
        request(invoiceBody(), { code: toDataverseWebhookKey(secret, "conn-1") }),
        dataverse,
      ),
    ).toMatchObject({ status: 202, result: "ignored" });
    expect(queue.messages).toHaveLength(0);
  });

  it("merges a second delivery of the same event into the waiting marker", async () => {
    const { dataverse, store } = setUp();
    const code = toDataverseWebhookKey(secret, "conn-1");
    await receiveDataverseWebhook(request(invoiceBody(), { code }), dataverse);
    await receiveDataverseWebhook(request(invoiceBody(), { code }), dataverse);
    const markers = await store.listMarkers("conn-1", "InvoicesToXero", 10);
    expect(markers).toHaveLength(1);
    expect(markers[0]?.events).toBe(2);
  });
});

describe("receiveXeroWebhook", () => {
  const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));
  const sign = (body: string, key = xeroKey): string => createHmac("sha256", key).update(body).digest("base64");
  const intent = JSON.stringify({
    events: [],
    firstEventSequence: 0,
    lastEventSequence: 0,
    entropy: "ABCDEFGHIJKLMNOPQRST",
  });
  const paymentEvent = {
    resourceUrl: "x",
    resourceId: "0E64A61C-6D5A-4A3A-9B2B-000000000001",
    eventDateUtc: "2026-03-02T09:00:00.123",
    eventType: "UPDATE",
    eventCategory: "INVOICE",
    tenantId,
    tenantType: "ORGANISATION",
  };
  const payload = JSON.stringify({
    events: [paymentEvent, { ...paymentEvent, tenantId: "99999999-9458-4c7d-93cc-f02b81b0594f" }],
    firstEventSequence: 1,
    lastEventSequence: 2,
    entropy: "ABCDEFGHIJKLMNOPQRST",
  });

  it("answers intent to receive: 200 for a good signature, 401 for a bad one", async () => {
    const { xero, queue } = setUp();
    expect((await receiveXeroWebhook(bytes(intent), sign(intent), xero)).status).toBe(200);
    expect((await receiveXeroWebhook(bytes(intent), sign(intent, "wrong"), xero)).status).toBe(401);
    expect(queue.messages).toHaveLength(0);
  });

  it("enqueues targeted pulls for its tenants' events, and drops a resent payload", async () => {
    const { xero, queue, store } = setUp();
    expect(await receiveXeroWebhook(bytes(payload), sign(payload), xero)).toStrictEqual({
      status: 200,
      events: 2,
      duplicates: 0,
      unknownTenants: 1,
      enqueued: 2,
    });
    expect(
      queue.messages.map((entry) => [entry.message.flow, entry.message.recordId, entry.message.reason]),
    ).toStrictEqual([
      ["PaymentsFromXero", paymentEvent.resourceId.toLowerCase(), "webhook"],
      ["InvoicesFromXero", paymentEvent.resourceId.toLowerCase(), "webhook"],
    ]);
    expect(await store.isMarked("conn-1", "PaymentsFromXero", paymentEvent.resourceId)).toBe(true);
    expect(await receiveXeroWebhook(bytes(payload), sign(payload), xero)).toMatchObject({
      status: 200,
      duplicates: 1,
      enqueued: 0,
    });
    expect(queue.messages).toHaveLength(2);
  });

  it.each([
    ["no signature", undefined],
    ["a body altered after signing", sign(payload.replace("UPDATE", "CREATE"))],
  ])("answers 401 and enqueues nothing for %s", async (_label, signature) => {
    const { xero, queue, store } = setUp();
    expect((await receiveXeroWebhook(bytes(payload), signature, xero)).status).toBe(401);
    expect(queue.messages).toHaveLength(0);
    expect(store.markers().size).toBe(0);
  });

  it("refuses everything when no webhook key is configured", async () => {
    const { xero } = setUp();
    expect((await receiveXeroWebhook(bytes(intent), sign(intent), { ...xero, webhookKey: undefined })).status).toBe(
      401,
    );
  });

  it("answers 400 for a signed body that is not a payload", async () => {
    const { xero, queue } = setUp();
    const body = JSON.stringify({ hello: "world" });
    expect((await receiveXeroWebhook(bytes(body), sign(body), xero)).status).toBe(400);
    expect(queue.messages).toHaveLength(0);
  });

  it("forgets an event whose work could not be enqueued, so Xero's resend is taken", async () => {
    const { xero, store } = setUp();
    const failing = {
      ...xero,
      queue: {
        enqueue: () => Promise.reject(new Error("storage down")),
        enqueueMany: () => Promise.reject(new Error("storage down")),
      },
    };
    await expect(receiveXeroWebhook(bytes(payload), sign(payload), failing)).rejects.toThrow("storage down");
    expect(await receiveXeroWebhook(bytes(payload), sign(payload), xero)).toMatchObject({ duplicates: 0, enqueued: 2 });
    expect(await store.isMarked("conn-1", "PaymentsFromXero", paymentEvent.resourceId)).toBe(true);
  });
});
