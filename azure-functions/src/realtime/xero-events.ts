// Xero webhooks: the signature over the raw body, the payload, and what each event asks of the service.
// Signature: x-xero-signature = base64(HMAC-SHA256(webhook key, raw body)), compared in constant time; an
// intent-to-receive request is an empty `events` list signed like any other.
// https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/#intent-to-receive
// Payload and event categories: https://developer.xero.com/documentation/guides/webhooks/overview/
import { createHmac } from "node:crypto";
import { z } from "zod";
import type { FlowName } from "../adapters/queue/work-queue";
import { SyncError } from "../core/errors";
import { safeEqual } from "../security/hmac";

export const xeroSignatureHeader = "x-xero-signature";

/** True only for the signature Xero computes over exactly these bytes. */
export function verifyXeroSignature(
  webhookKey: string,
  rawBody: Uint8Array,
  signature: string | null | undefined,
): boolean {
  if (signature === null || signature === undefined || signature === "") return false;
  const expected = createHmac("sha256", webhookKey).update(rawBody).digest("base64");
  return safeEqual(expected, signature.trim());
}

const XeroWebhookEvent = z.looseObject({
  resourceUrl: z.string().optional(),
  resourceId: z.string().min(1),
  eventDateUtc: z.string().min(1),
  eventType: z.string().min(1),
  eventCategory: z.string().min(1),
  tenantId: z.string().min(1),
  tenantType: z.string().optional(),
  /** CREDITNOTE events only: the credit note's Type and Status. */
  data: z.looseObject({ Type: z.string().optional(), Status: z.string().optional() }).optional(),
});
export type XeroWebhookEvent = z.infer<typeof XeroWebhookEvent>;

const XeroWebhookPayload = z.looseObject({
  events: z.array(XeroWebhookEvent),
  firstEventSequence: z.number().int(),
  lastEventSequence: z.number().int(),
  entropy: z.string(),
});
export type XeroWebhookPayload = z.infer<typeof XeroWebhookPayload>;

/** Parses a (signature-checked) body; a `validation` SyncError when it is not a Xero webhook payload. */
export function parseXeroWebhookPayload(rawBody: Uint8Array): XeroWebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(rawBody).toString("utf8"));
  } catch {
    throw new SyncError("not a Xero webhook payload: the body is not JSON", {
      kind: "validation",
      origin: "system",
      details: { source: "xero", type: "MalformedWebhook" },
    });
  }
  const parsed = XeroWebhookPayload.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
    throw new SyncError(`not a Xero webhook payload: ${issues}`, {
      kind: "validation",
      origin: "system",
      details: { source: "xero", type: "MalformedWebhook" },
    });
  }
  return parsed.data;
}

/**
 * An event's identity: Xero resends a failed payload unchanged, and one change may be reported more than once, so
 * the same resource, change type and instant is the same event.
 */
export function toEventKey(event: XeroWebhookEvent): string {
  return [
    event.tenantId.toLowerCase(),
    event.eventCategory.toUpperCase(),
    event.resourceId.toLowerCase(),
    event.eventType.toUpperCase(),
    event.eventDateUtc,
  ].join("|");
}

export interface XeroWork {
  flow: FlowName;
  /** The Xero record the flow should look at (an invoice's id for its payments and credit notes). */
  recordId: string;
}

/**
 * The pulls an event feeds. INVOICE: that invoice's payments (Xero reports a payment as an update of the invoice) and
 * the invoice itself for Xero → Dynamics 365 invoices; CREDITNOTE: that credit note (an allocation to an invoice
 * raises a CREDITNOTE event beside the INVOICE one, so the credit-note pull is fed by credit-note ids only); CONTACT:
 * the contacts flow. Flows the connector has switched off are skipped by the worker.
 */
export function toXeroWork(event: XeroWebhookEvent): XeroWork[] {
  const recordId = event.resourceId.toLowerCase();
  switch (event.eventCategory.toUpperCase()) {
    case "INVOICE":
      // A new invoice has no payments yet (and is usually our own push arriving in Xero).
      return event.eventType.toUpperCase() === "CREATE"
        ? [{ flow: "InvoicesFromXero", recordId }]
        : [
            { flow: "PaymentsFromXero", recordId },
            { flow: "InvoicesFromXero", recordId },
          ];
    case "CONTACT":
      return [{ flow: "ContactsFromXero", recordId }];
    case "CREDITNOTE":
      // Supplier credit notes (ACCPAYCREDIT) are not synced.
      return event.data?.Type === "ACCPAYCREDIT" ? [] : [{ flow: "CreditNotesFromXero", recordId }];
    default:
      return [];
  }
}
