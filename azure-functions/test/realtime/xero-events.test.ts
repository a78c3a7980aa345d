import { createHmac } from "node:crypto";
import { SyncError } from "../../src/core/errors";
import { parseXeroWebhookPayload, toEventKey, toXeroWork, verifyXeroSignature } from "../../src/realtime/xero-events";

const key = "webhook-key-for-tests-0123456789abcdef";
const sign = (body: string, withKey = key): string => createHmac("sha256", withKey).update(body).digest("base64");
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

const event = {
  resourceUrl: "https://api.xero.com/api.xro/2.0/Invoices/0E64A61C-6D5A-4A3A-9B2B-000000000001",
  resourceId: "0E64A61C-6D5A-4A3A-9B2B-000000000001",
  eventDateUtc: "2026-03-02T09:00:00.123",
  eventType: "UPDATE",
  eventCategory: "INVOICE",
  tenantId: "C2CC9B6E-9458-4C7D-93CC-F02B81B0594F",
  tenantType: "ORGANISATION",
};
const payload = JSON.stringify({
  events: [event],
  firstEventSequence: 1,
  lastEventSequence: 1,
  entropy: "FXNGWLCCGVANWHKILRUB",
});

describe("verifyXeroSignature", () => {
  it("accepts Xero's signature over the raw bytes", () => {
    expect(verifyXeroSignature(key, bytes(payload), sign(payload))).toBe(true);
  });

  it.each([
    ["no signature", undefined],
    ["an empty one", ""],
    ["one made with another key", sign(payload, "another-key")],
    ["one over a body altered after signing", sign(payload.replace("UPDATE", "CREATE"))],
  ])("refuses %s", (_label, signature) => {
    expect(verifyXeroSignature(key, bytes(payload), signature)).toBe(false);
  });

  it("signs bytes, not a re-serialised object (whitespace counts)", () => {
    const spaced = payload.replace(/,/g, ", ");
    expect(verifyXeroSignature(key, bytes(spaced), sign(payload))).toBe(false);
  });
});

describe("parseXeroWebhookPayload", () => {
  it("reads events and keeps unknown keys", () => {
    const parsed = parseXeroWebhookPayload(bytes(payload.replace('"entropy"', '"extra":1,"entropy"')));
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]?.eventCategory).toBe("INVOICE");
  });

  it.each([
    ["not JSON", "{"],
    ["no events", JSON.stringify({ firstEventSequence: 1, lastEventSequence: 1, entropy: "X" })],
    [
      "an event without a tenant",
      JSON.stringify({
        events: [{ ...event, tenantId: undefined }],
        firstEventSequence: 1,
        lastEventSequence: 1,
        entropy: "X",
      }),
    ],
  ])("refuses %s", (_label, body) => {
    expect(() => parseXeroWebhookPayload(bytes(body))).toThrow(SyncError);
  });
});

describe("toXeroWork and toEventKey", () => {
  it("an updated invoice pulls its payments and the invoice", () => {
    expect(toXeroWork(event)).toStrictEqual([
      { flow: "PaymentsFromXero", recordId: event.resourceId.toLowerCase() },
      { flow: "InvoicesFromXero", recordId: event.resourceId.toLowerCase() },
    ]);
  });

  it("a new invoice has no payments to pull", () => {
    expect(toXeroWork({ ...event, eventType: "CREATE" }).map((work) => work.flow)).toStrictEqual(["InvoicesFromXero"]);
  });

  it("contacts feed the contacts flow; sales credit notes the credit-note pull; supplier credit notes nothing", () => {
    expect(toXeroWork({ ...event, eventCategory: "CONTACT" }).map((work) => work.flow)).toStrictEqual([
      "ContactsFromXero",
    ]);
    expect(
      toXeroWork({ ...event, eventCategory: "CREDITNOTE", data: { Type: "ACCRECCREDIT", Status: "AUTHORISED" } }).map(
        (work) => work.flow,
      ),
    ).toStrictEqual(["CreditNotesFromXero"]);
    expect(
      toXeroWork({ ...event, eventCategory: "CREDITNOTE", data: { Type: "ACCPAYCREDIT", Status: "AUTHORISED" } }),
    ).toStrictEqual([]);
  });

  it("identifies an event by tenant, category, resource, type and instant, whatever the case", () => {
    expect(toEventKey(event)).toBe(
      toEventKey({ ...event, tenantId: event.tenantId.toLowerCase(), resourceId: event.resourceId.toLowerCase() }),
    );
    expect(toEventKey(event)).not.toBe(toEventKey({ ...event, eventDateUtc: "2026-03-02T09:00:00.124" }));
  });
});
