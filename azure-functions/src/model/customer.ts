// The customer of an invoice: a Dynamics 365 account or contact, a Xero contact.
import { z } from "zod";
import { Address, CurrencyCode, EmailAddress, Guid, Person } from "./common";

export const CustomerKind = z.enum(["account", "contact"]);
export type CustomerKind = z.infer<typeof CustomerKind>;

export const CustomerRef = z.object({ kind: CustomerKind, dynamicsId: Guid });
export type CustomerRef = z.infer<typeof CustomerRef>;

export const Customer = z.object({
  kind: CustomerKind,
  dynamicsId: Guid,
  /** The Xero contact id stored on the account/contact (mag_xerocontactid) once known. */
  xeroContactId: Guid.optional(),
  name: z.string().min(1, "the customer has no name"),
  accountNumber: z.string().optional(),
  /** The primary person: the account's primary contact, or the contact itself. */
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  emailAddress: EmailAddress.optional(),
  currencyCode: CurrencyCode.optional(),
  phones: z
    .object({
      default: z.string().optional(),
      mobile: z.string().optional(),
      fax: z.string().optional(),
    })
    .default({}),
  streetAddress: Address.default({}),
  postalAddress: Address.default({}),
  additionalPeople: z.array(Person).default([]),
});
export type Customer = z.infer<typeof Customer>;

/** The key a customer is known by across a batch. */
export function toCustomerKey(ref: CustomerRef): string {
  return `${ref.kind}:${ref.dynamicsId.toLowerCase()}`;
}
