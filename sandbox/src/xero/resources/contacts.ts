// Contacts: GET (list, one by ContactID or ContactNumber), PUT (create), POST (create or update).
// https://developer.xero.com/documentation/api/accounting/contacts
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound, type XeroAnswer } from "../http/xero-errors";
import { toMsDate } from "../model/ms-date";
import { applyListQuery, toListParameter, toListQuery, type ListType } from "../query/list-query";
import type { ContactRecord, Tenant, XeroObject } from "../store/types";
import { saveBatch, type ElementOutcome } from "./batch";
import { bodyElements, toEnvelope, type Handler, type HandlerContext } from "./context";

/** Fields a caller may write, copied verbatim (the rest are Xero's to set). */
const writableFields = [
  "ContactNumber",
  "AccountNumber",
  "FirstName",
  "LastName",
  "CompanyNumber",
  "EmailAddress",
  "ContactPersons",
  "BankAccountDetails",
  "TaxNumber",
  "TaxNumberType",
  "AccountsReceivableTaxType",
  "AccountsPayableTaxType",
  "Addresses",
  "Phones",
  "DefaultCurrency",
  "Website",
  "Discount",
  "PaymentTerms",
  "SalesDefaultAccountCode",
  "PurchasesDefaultAccountCode",
  "SalesDefaultLineAmountType",
  "PurchasesDefaultLineAmountType",
  "XeroNetworkKey",
  "BrandingTheme",
] as const;

const contactFields = new Set([
  "ContactID",
  "ContactNumber",
  "AccountNumber",
  "ContactStatus",
  "Name",
  "FirstName",
  "LastName",
  "EmailAddress",
  "CompanyNumber",
  "TaxNumber",
  "IsCustomer",
  "IsSupplier",
  "UpdatedDateUTC",
  "DefaultCurrency",
]);

export const contactListType: ListType<ContactRecord> = {
  typeName: "Contact",
  fields: contactFields,
  toView: (contact) => ({
    ...contact.fields,
    ContactID: contact.ContactID,
    Name: contact.Name,
    ContactStatus: contact.ContactStatus,
    IsCustomer: contact.IsCustomer,
    IsSupplier: contact.IsSupplier,
    UpdatedDateUTC: contact.UpdatedDateUTC,
  }),
  updatedAt: (contact) => contact.UpdatedDateUTC,
  defaultOrder: "Name ASC",
};

// Xero always answers with both address types and the four standard phone types, filled or empty.
function withStandardEntries(
  given: unknown,
  key: "AddressType" | "PhoneType",
  standard: readonly string[],
): XeroObject[] {
  const entries = Array.isArray(given) ? (given as XeroObject[]) : [];
  const typeOf = (entry: XeroObject): string => (typeof entry[key] === "string" ? entry[key] : "");
  const byType = new Map(entries.map((entry) => [typeOf(entry), entry]));
  const extra = entries.filter((entry) => !standard.includes(typeOf(entry)));
  return [...standard.map((type) => ({ ...byType.get(type), [key]: type })), ...extra];
}

export function toXeroContact(contact: ContactRecord): XeroObject {
  return {
    ContactID: contact.ContactID,
    ContactStatus: contact.ContactStatus,
    Name: contact.Name,
    ...contact.fields,
    Addresses: withStandardEntries(contact.fields["Addresses"], "AddressType", ["POBOX", "STREET"]),
    Phones: withStandardEntries(contact.fields["Phones"], "PhoneType", ["DEFAULT", "DDI", "FAX", "MOBILE"]),
    UpdatedDateUTC: toMsDate(contact.UpdatedDateUTC),
    ContactGroups: [],
    IsSupplier: contact.IsSupplier,
    IsCustomer: contact.IsCustomer,
    ContactPersons: Array.isArray(contact.fields["ContactPersons"]) ? contact.fields["ContactPersons"] : [],
    HasAttachments: false,
    HasValidationErrors: false,
  };
}

/** The short contact Xero nests in invoices, credit notes and payments. */
export function toNestedContact(contact: ContactRecord | undefined): XeroObject {
  if (contact === undefined) return {};
  return {
    ContactID: contact.ContactID,
    ...(typeof contact.fields["ContactNumber"] === "string" ? { ContactNumber: contact.fields["ContactNumber"] } : {}),
    Name: contact.Name,
    ContactStatus: contact.ContactStatus,
    ...(typeof contact.fields["EmailAddress"] === "string" ? { EmailAddress: contact.fields["EmailAddress"] } : {}),
    HasValidationErrors: false,
  };
}

const sameName = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

export function findActiveContactByName(tenant: Tenant, name: string): ContactRecord | undefined {
  for (const contact of tenant.contacts.values())
    if (contact.ContactStatus === "ACTIVE" && sameName(contact.Name, name)) return contact;
  return undefined;
}

export function findContactByNumber(tenant: Tenant, contactNumber: string): ContactRecord | undefined {
  for (const contact of tenant.contacts.values()) if (contact.fields["ContactNumber"] === contactNumber) return contact;
  return undefined;
}

/** Checks a contact as it would be saved and answers its errors (none: it may be saved). */
export function validateContact(tenant: Tenant, candidate: ContactRecord): string[] {
  const errors: string[] = [];
  if (candidate.Name.trim() === "") errors.push("The contact name must be specified.");
  // Contact names are unique among active contacts: https://developer.xero.com/documentation/api/accounting/contacts#post-contacts
  if (candidate.ContactStatus === "ACTIVE" && candidate.Name.trim() !== "") {
    const clash = findActiveContactByName(tenant, candidate.Name);
    if (clash !== undefined && clash.ContactID !== candidate.ContactID) {
      errors.push(
        `The contact name ${candidate.Name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
      );
    }
  }
  // Account numbers are unique across contacts: https://developer.xero.com/documentation/api/accounting/contacts#post-contacts
  const accountNumber = candidate.fields["AccountNumber"];
  if (typeof accountNumber === "string" && accountNumber !== "") {
    for (const other of tenant.contacts.values()) {
      if (other.ContactID !== candidate.ContactID && other.fields["AccountNumber"] === accountNumber) {
        errors.push("The Account Number already exists. Please enter a different Account Number.");
        break;
      }
    }
  }
  return errors;
}

function toFields(element: XeroObject, base: XeroObject = {}): XeroObject {
  const fields: XeroObject = { ...base };
  for (const name of writableFields) if (element[name] !== undefined) fields[name] = element[name];
  return fields;
}

/** Builds the record a create or update would save; `existing` is the contact being updated. */
function toCandidate(element: XeroObject, existing: ContactRecord | undefined, now: number): ContactRecord {
  const status = element["ContactStatus"];
  return {
    ContactID: existing?.ContactID ?? randomUUID(),
    Name: typeof element["Name"] === "string" ? element["Name"] : (existing?.Name ?? ""),
    ContactStatus:
      status === "ACTIVE" || status === "ARCHIVED" || status === "GDPRREQUEST"
        ? status
        : (existing?.ContactStatus ?? "ACTIVE"),
    IsCustomer: existing?.IsCustomer ?? false,
    IsSupplier: existing?.IsSupplier ?? false,
    UpdatedDateUTC: now,
    fields: toFields(element, existing?.fields),
  };
}

/** Validates and, when clean, returns how to save one contact element. */
export function prepareContact(
  context: HandlerContext,
  element: XeroObject,
  existing: ContactRecord | undefined,
): ElementOutcome {
  const candidate = toCandidate(element, existing, context.now);
  const errors = validateContact(context.tenant, candidate);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    commit: () => {
      context.tenant.contacts.set(candidate.ContactID, candidate);
      context.emit("CONTACT", candidate.ContactID, existing === undefined ? "CREATE" : "UPDATE");
      return toXeroContact(candidate);
    },
  };
}

function findContact(tenant: Tenant, idOrNumber: string): ContactRecord | undefined {
  return (
    tenant.contacts.get(idOrNumber.toLowerCase()) ??
    tenant.contacts.get(idOrNumber) ??
    findContactByNumber(tenant, idOrNumber)
  );
}

function existingFor(context: HandlerContext, element: XeroObject): ContactRecord | undefined | "missing" {
  const id = element["ContactID"];
  if (typeof id === "string" && id !== "") return context.tenant.contacts.get(id.toLowerCase()) ?? "missing";
  const number = element["ContactNumber"];
  return typeof number === "string" && number !== "" ? findContactByNumber(context.tenant, number) : undefined;
}

export const getContacts: Handler = (context) => {
  const ids = toListParameter(context.query, "IDs")?.map((id) => id.toLowerCase());
  const includeArchived = context.query.get("includeArchived") === "true";
  const searchTerm = context.query.get("searchTerm")?.toLowerCase();
  let contacts = [...context.tenant.contacts.values()];
  if (ids !== undefined) contacts = contacts.filter((contact) => ids.includes(contact.ContactID));
  else if (!includeArchived) contacts = contacts.filter((contact) => contact.ContactStatus !== "ARCHIVED");
  if (searchTerm !== undefined && searchTerm !== "") {
    contacts = contacts.filter((contact) =>
      [
        contact.Name,
        contact.fields["FirstName"],
        contact.fields["LastName"],
        contact.fields["EmailAddress"],
        contact.fields["ContactNumber"],
        contact.fields["CompanyNumber"],
      ].some((value) => typeof value === "string" && value.toLowerCase().includes(searchTerm)),
    );
  }
  const { items, pagination } = applyListQuery(contacts, contactListType, toListQuery(context.query, context.headers));
  return {
    status: 200,
    body: toEnvelope(context, {
      ...(pagination === undefined ? {} : { pagination }),
      Contacts: items.map(toXeroContact),
    }),
  };
};

export const getContact: Handler = (context) => {
  const contact = findContact(context.tenant, context.params[0] ?? "");
  if (contact === undefined) return toNotFound();
  return { status: 200, body: toEnvelope(context, { Contacts: [toXeroContact(contact)] }) };
};

export const createContacts: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "Contacts"),
    { collection: "Contacts", errorFlag: "HasValidationErrors" },
    (element) => prepareContact(context, element, undefined),
  );

export const updateOrCreateContacts: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "Contacts"),
    { collection: "Contacts", errorFlag: "HasValidationErrors" },
    (element) => {
      const existing = existingFor(context, element);
      if (existing === "missing") return { ok: false, errors: ["The contact could not be found."] };
      return prepareContact(context, element, existing);
    },
  );

export const updateContact: Handler = (context): XeroAnswer => {
  const contact = findContact(context.tenant, context.params[0] ?? "");
  if (contact === undefined) throw new XeroHttpError(toNotFound());
  return saveBatch(
    context,
    bodyElements(context.body, "Contacts").slice(0, 1),
    { collection: "Contacts", errorFlag: "HasValidationErrors" },
    (element) => prepareContact(context, element, contact),
  );
};
