// Contacts: Xero to Dynamics 365 › Contact (D365 Account), and the same table for an invoice's customer (Invoices:
// Xero to Dynamics 365 › Contact (Customer)). One row per row of the reference docs; Street = Address 1, PO Box =
// Address 2, lines 3 and 4 joined with ", ". Xero's contact: https://developer.xero.com/documentation/api/accounting/contacts
import { addressLine3From3And4, phoneFromParts, xeroTimestamp } from "./codecs-from-xero";
import type { FieldRow, MappingTable } from "./engine";

const joinedNote = "If Line 3 & 4 both contain data in Xero, they are joined in Dynamics 365 (separated by comma).";

const addressRows = (
  prefix: "address1" | "address2",
  model: "streetAddress" | "postalAddress",
  type: "STREET" | "POBOX",
): FieldRow[] => [
  { dynamics: `${prefix}_line1`, model: `${model}.line1`, xero: `Addresses[AddressType=${type}].AddressLine1` },
  { dynamics: `${prefix}_line2`, model: `${model}.line2`, xero: `Addresses[AddressType=${type}].AddressLine2` },
  {
    dynamics: `${prefix}_line3`,
    model: `${model}.line3`,
    xero: `Addresses[AddressType=${type}]`,
    codec: addressLine3From3And4,
    note: joinedNote,
  },
  { dynamics: `${prefix}_city`, model: `${model}.city`, xero: `Addresses[AddressType=${type}].City` },
  { dynamics: `${prefix}_postalcode`, model: `${model}.postalCode`, xero: `Addresses[AddressType=${type}].PostalCode` },
  { dynamics: `${prefix}_stateorprovince`, model: `${model}.region`, xero: `Addresses[AddressType=${type}].Region` },
  { dynamics: `${prefix}_country`, model: `${model}.country`, xero: `Addresses[AddressType=${type}].Country` },
];

export const accountFromXeroContact: MappingTable = {
  name: "Contact (D365 Account)",
  source: "Contacts: Xero to Dynamics 365 › Contact (D365 Account)",
  rows: [
    { dynamics: "name", model: "name", xero: "Name", note: "Must be unique. Used for matching." },
    {
      dynamics: "accountnumber",
      model: "accountNumber",
      xero: "AccountNumber",
      note: "Must be unique. Used for matching if provided.",
    },
    { dynamics: "emailaddress1", model: "emailAddress", xero: "EmailAddress" },
    { dynamics: "websiteurl", model: "website", xero: "Website" },
    { dynamics: "transactioncurrencyid/isocurrencycode", model: "currencyCode", xero: "DefaultCurrency" },
    { dynamics: "telephone1", model: "phones.default", xero: "Phones[PhoneType=DEFAULT]", codec: phoneFromParts },
    { dynamics: "fax", model: "phones.fax", xero: "Phones[PhoneType=FAX]", codec: phoneFromParts },
    ...addressRows("address1", "streetAddress", "STREET"),
    ...addressRows("address2", "postalAddress", "POBOX"),
    {
      dynamics: "mag_xerocontactid",
      model: "xeroContactId",
      xero: "ContactID",
      note: "Not in the reference docs: the link the push flows match on.",
    },
    { model: "updatedAt", xero: "UpdatedDateUTC", codec: xeroTimestamp, note: "The read cursor." },
  ],
};
