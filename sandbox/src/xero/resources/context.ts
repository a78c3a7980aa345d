// What a resource handler is given and what it gives back.
import type { IncomingHttpHeaders } from "node:http";
import type { XeroAnswer } from "../http/xero-errors";
import type { DocumentStatus, Tenant, XeroObject } from "../store/types";

export type ChangeResource = "INVOICE" | "CONTACT" | "CREDITNOTE";
export type ChangeEventType = "CREATE" | "UPDATE";

export interface ChangeEvent {
  tenantId: string;
  resource: ChangeResource;
  resourceId: string;
  eventType: ChangeEventType;
  /** Epoch ms on the emulator's clock. */
  at: number;
  /** Credit note events carry the credit note's Type and Status, as Xero's webhook events do. */
  data?: { Type: "ACCPAYCREDIT" | "ACCRECCREDIT"; Status: DocumentStatus };
}

export interface HandlerContext {
  tenant: Tenant;
  /** Path parameters in order, e.g. the InvoiceID of /Invoices/{InvoiceID}. */
  params: readonly string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (already checked against the spec), or undefined. */
  body: unknown;
  now: number;
  /** 2, or 4 when `unitdp=4` asks for unit amounts to four places. */
  unitdp: 2 | 4;
  /** `summarizeErrors` (true unless the caller sent false). */
  summarizeErrors: boolean;
  /** The base URL of the emulator (for links it hands out, such as online invoices). */
  baseUrl: string;
  emit(resource: ChangeResource, resourceId: string, eventType: ChangeEventType): void;
}

export type Handler = (context: HandlerContext) => XeroAnswer;

/** The envelope fields Xero puts around every JSON answer besides the collection. */
export function toEnvelope(context: HandlerContext, collection: Record<string, unknown>): XeroObject {
  return {
    Id: context.tenant.tenantId,
    Status: "OK",
    ProviderName: "Xero Connector Sandbox",
    DateTimeUTC: `/Date(${context.now}+0000)/`,
    ...collection,
  };
}

export function bodyElements(body: unknown, collection: string): XeroObject[] {
  const value = (body as Record<string, unknown> | undefined)?.[collection];
  return Array.isArray(value) ? (value as XeroObject[]) : [];
}
