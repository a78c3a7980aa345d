// What invoices and credit notes share: the contact they name, their status changes and the checks on their header.
// https://developer.xero.com/documentation/api/accounting/invoices
// https://developer.xero.com/documentation/api/accounting/creditnotes
import { randomUUID } from "node:crypto";
import { fromXeroDay } from "../model/ms-date";
import type { ContactRecord, DocumentStatus, LineAmountTypes, Tenant, XeroObject } from "../store/types";
import { findActiveContactByName, findContactByNumber, validateContact } from "./contacts";

/**
 * The contact a saved invoice or credit note ends up with: the existing document's own contact unless the element
 * names another; a named contact that is archived cannot go on new transactions
 * (https://developer.xero.com/documentation/api/accounting/contacts#archiving-contacts). Problems are pushed to
 * `errors`; `newContact` is set when the name creates one.
 */
export function chooseDocumentContact(
  tenant: Tenant,
  element: XeroObject,
  existingContactId: string | undefined,
  now: number,
  errors: string[],
): { contact: ContactRecord | undefined; newContact: ContactRecord | undefined } {
  let contact = existingContactId === undefined ? undefined : tenant.contacts.get(existingContactId);
  let newContact: ContactRecord | undefined;
  const givenContact = element["Contact"] as XeroObject | undefined;
  if (
    givenContact !== undefined &&
    !(existingContactId !== undefined && givenContact["ContactID"] === existingContactId)
  ) {
    const resolved = resolveDocumentContact(tenant, givenContact, now);
    if (!resolved.ok) errors.push(resolved.error);
    else {
      contact = resolved.contact;
      if (resolved.isNew) newContact = resolved.contact;
      else if (contact.ContactStatus === "ARCHIVED")
        errors.push("The contact has been archived and cannot be used on new transactions.");
    }
  } else if (contact === undefined) {
    errors.push("A Contact must be specified for this type of transaction");
  }
  return { contact, newContact };
}

export type ContactResolution = { ok: true; contact: ContactRecord; isNew: boolean } | { ok: false; error: string };

/**
 * The contact an invoice names: by ContactID, ContactNumber, or Name. A name that matches no active contact creates a
 * new contact, as Xero does: https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
 */
export function resolveDocumentContact(tenant: Tenant, given: XeroObject, now: number): ContactResolution {
  const id = typeof given["ContactID"] === "string" ? given["ContactID"].toLowerCase() : undefined;
  const number = typeof given["ContactNumber"] === "string" ? given["ContactNumber"] : undefined;
  const name = typeof given["Name"] === "string" ? given["Name"] : undefined;
  if (id !== undefined && id !== "") {
    const contact = tenant.contacts.get(id);
    return contact === undefined
      ? { ok: false, error: "The contact could not be found." }
      : { ok: true, contact, isNew: false };
  }
  if (number !== undefined && number !== "") {
    const contact = findContactByNumber(tenant, number);
    if (contact !== undefined) return { ok: true, contact, isNew: false };
  }
  if (name !== undefined && name.trim() !== "") {
    const contact = findActiveContactByName(tenant, name);
    if (contact !== undefined) return { ok: true, contact, isNew: false };
    const created: ContactRecord = {
      ContactID: randomUUID(),
      Name: name,
      ContactStatus: "ACTIVE",
      IsCustomer: false,
      IsSupplier: false,
      UpdatedDateUTC: now,
      fields: number === undefined ? {} : { ContactNumber: number },
    };
    const errors = validateContact(tenant, created);
    return errors.length > 0
      ? { ok: false, error: errors[0] ?? "The contact is not valid." }
      : { ok: true, contact: created, isNew: true };
  }
  return { ok: false, error: "A Contact must be specified for this type of transaction" };
}

// Status changes Xero allows through the API (https://developer.xero.com/documentation/api/accounting/invoices#deleting-and-voiding-invoices):
// DRAFT → SUBMITTED, AUTHORISED, DELETED; SUBMITTED → DRAFT, AUTHORISED, DELETED; AUTHORISED → VOIDED (nothing paid
// or credited). PAID is reached only by payments and allocations.
const allowedChanges: Record<DocumentStatus, readonly DocumentStatus[]> = {
  DRAFT: ["SUBMITTED", "AUTHORISED", "DELETED"],
  SUBMITTED: ["DRAFT", "AUTHORISED", "DELETED"],
  AUTHORISED: ["VOIDED"],
  PAID: [],
  DELETED: [],
  VOIDED: [],
};

export function canChangeStatus(from: DocumentStatus, to: DocumentStatus): boolean {
  return from === to || allowedChanges[from].includes(to);
}

export const creatableStatuses: readonly DocumentStatus[] = ["DRAFT", "SUBMITTED", "AUTHORISED"];

export const isApproved = (status: DocumentStatus): boolean => status === "AUTHORISED" || status === "PAID";

export function toLineAmountTypes(value: unknown, fallback: LineAmountTypes): LineAmountTypes {
  return value === "Exclusive" || value === "Inclusive" || value === "NoTax" ? value : fallback;
}

/** Reads a date-only field; `invalid` when present but unreadable. */
export function readDay(value: unknown): number | undefined | "invalid" {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return "invalid";
  return fromXeroDay(value) ?? "invalid";
}

export function checkCurrency(tenant: Tenant, code: unknown): string | undefined {
  if (code === undefined) return undefined;
  // A document's currency must be one the organisation has: https://developer.xero.com/documentation/api/accounting/currencies
  return typeof code === "string" && tenant.currencies.has(code)
    ? undefined
    : `The currency '${typeof code === "string" ? code : JSON.stringify(code)}' is not enabled for this organisation.`;
}

export function checkBrandingTheme(tenant: Tenant, id: unknown): string | undefined {
  if (id === undefined) return undefined;
  // https://developer.xero.com/documentation/api/accounting/brandingthemes
  return typeof id === "string" && tenant.brandingThemes.has(id.toLowerCase())
    ? undefined
    : "The branding theme could not be found.";
}

/** The next free number of the form PREFIX-0001 (invoice and credit note numbering). */
export function nextDocumentNumber(
  prefix: string,
  sequence: { value: number },
  taken: (number: string) => boolean,
): string {
  for (;;) {
    sequence.value += 1;
    const candidate = `${prefix}-${String(sequence.value).padStart(4, "0")}`;
    if (!taken(candidate)) return candidate;
  }
}
