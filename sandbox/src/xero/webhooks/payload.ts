import { randomInt } from "node:crypto";
import { z } from "zod";

// The change events the Xero API emulator raises, and the payload Xero posts for them.
// https://developer.xero.com/documentation/guides/webhooks/overview/ (payload, events, sequences, entropy)
// Credit note events carry data { Type, Status }: CreditNoteWebhookEvent in Xero's xero-webhooks.yaml (vendored).

export const webhookResources = ["INVOICE", "CONTACT", "CREDITNOTE"] as const;
export type WebhookResource = (typeof webhookResources)[number];

const creditNoteData = z.object({
  Type: z.enum(["ACCPAYCREDIT", "ACCRECCREDIT"]),
  Status: z.enum(["DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED"]),
});

export const xeroChangeEventSchema = z
  .object({
    tenantId: z.guid(),
    resource: z.enum(webhookResources),
    resourceId: z.guid(),
    eventType: z.enum(["CREATE", "UPDATE"]),
    /** When the change happened: epoch milliseconds, a Date or an ISO string. */
    at: z.union([z.number(), z.date(), z.iso.datetime({ offset: true })]),
    /** Credit note events only: the credit note's Type and Status, which Xero puts in the event. */
    data: creditNoteData.optional(),
  })
  .superRefine((event, context) => {
    if (event.resource === "CREDITNOTE" && event.data === undefined) {
      context.addIssue({ code: "custom", path: ["data"], message: "a CREDITNOTE event needs data { Type, Status }" });
    }
    if (event.resource !== "CREDITNOTE" && event.data !== undefined) {
      context.addIssue({ code: "custom", path: ["data"], message: "only CREDITNOTE events carry data" });
    }
  });

export type XeroChangeEvent = z.input<typeof xeroChangeEventSchema>;

export interface XeroWebhookEvent {
  readonly resourceUrl: string;
  readonly resourceId: string;
  readonly eventDateUtc: string;
  readonly eventType: "CREATE" | "UPDATE";
  readonly eventCategory: WebhookResource;
  readonly tenantId: string;
  readonly tenantType: "ORGANISATION";
  readonly data?: z.infer<typeof creditNoteData>;
}

export interface XeroWebhookPayload {
  readonly events: readonly XeroWebhookEvent[];
  readonly firstEventSequence: number;
  readonly lastEventSequence: number;
  readonly entropy: string;
}

const resourcePaths: Readonly<Record<WebhookResource, string>> = {
  INVOICE: "Invoices",
  CONTACT: "Contacts",
  CREDITNOTE: "CreditNotes",
};

/** Xero writes eventDateUtc in UTC with milliseconds and no zone designator: 2017-06-21T01:15:39.902. */
export function toXeroEventDate(at: number | Date | string): string {
  const ms = typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : at.getTime();
  return new Date(ms).toISOString().slice(0, 23);
}

export function toXeroWebhookEvent(
  event: z.output<typeof xeroChangeEventSchema>,
  resourceBaseUrl: string,
): XeroWebhookEvent {
  return {
    resourceUrl: `${resourceBaseUrl.replace(/\/+$/, "")}/${resourcePaths[event.resource]}/${event.resourceId}`,
    resourceId: event.resourceId,
    eventDateUtc: toXeroEventDate(event.at),
    eventType: event.eventType,
    eventCategory: event.resource,
    tenantId: event.tenantId,
    tenantType: "ORGANISATION",
    ...(event.data === undefined ? {} : { data: event.data }),
  };
}

/** Twenty upper-case letters, like Xero's entropy ("FXNGWLCCGVANWHKILRUB"). */
export function newEntropy(): string {
  return Array.from({ length: 20 }, () => String.fromCharCode(65 + randomInt(26))).join("");
}

export function toXeroWebhookPayload(
  events: readonly XeroWebhookEvent[],
  firstEventSequence: number,
  entropy: string,
): XeroWebhookPayload {
  return {
    events,
    firstEventSequence,
    lastEventSequence: firstEventSequence + Math.max(events.length - 1, 0),
    entropy,
  };
}

/** The intent-to-receive payload: no events, sequences 0 (as Xero's documentation shows it). */
export function toIntentToReceivePayload(entropy: string): XeroWebhookPayload {
  return { events: [], lastEventSequence: 0, firstEventSequence: 0, entropy };
}
