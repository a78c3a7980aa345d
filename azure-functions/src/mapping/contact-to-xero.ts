// Invoices: Dynamics 365 to Xero › Contact (Customer): the account table and the contact table of the reference docs,
// one row per row. Xero's contact fields: https://developer.xero.com/documentation/api/accounting/contacts#post-contacts
// (Addresses: STREET and POBOX; Phones: DEFAULT, MOBILE, FAX; ContactPersons are the "Additional people").
import type { FieldRow, MappingTable } from "./engine";

/** Additional Billing Contacts (N:N mag_Account_Contact_BillingContacts) → Xero ContactPersons. */
export const additionalPersonToXero: MappingTable = {
  name: "Additional Billing Contacts",
  source: "Invoices: Dynamics 365 to Xero › Contact (Customer) › Additional Billing Contacts",
  rows: [
    { dynamics: "firstname", model: "firstName", xero: "FirstName" },
    { dynamics: "lastname", model: "lastName", xero: "LastName" },
    { dynamics: "emailaddress1", model: "emailAddress", xero: "EmailAddress" },
    { constant: true, model: "includeInEmails", xero: "IncludeInEmails", note: "Include in emails = Yes." },
  ],
};

const addressRows = (
  dynamicsPrefix: "address1" | "address2",
  model: "streetAddress" | "postalAddress",
  type: "STREET" | "POBOX",
): FieldRow[] => [
  { dynamics: `${dynamicsPrefix}_line1`, model: `${model}.line1`, xero: `Addresses[AddressType=${type}].AddressLine1` },
  { dynamics: `${dynamicsPrefix}_line2`, model: `${model}.line2`, xero: `Addresses[AddressType=${type}].AddressLine2` },
  { dynamics: `${dynamicsPrefix}_line3`, model: `${model}.line3`, xero: `Addresses[AddressType=${type}].AddressLine3` },
  { dynamics: `${dynamicsPrefix}_city`, model: `${model}.city`, xero: `Addresses[AddressType=${type}].City` },
  {
    dynamics: `${dynamicsPrefix}_postalcode`,
    model: `${model}.postalCode`,
    xero: `Addresses[AddressType=${type}].PostalCode`,
  },
  {
    dynamics: `${dynamicsPrefix}_stateorprovince`,
    model: `${model}.region`,
    xero: `Addresses[AddressType=${type}].Region`,
  },
  { dynamics: `${dynamicsPrefix}_country`, model: `${model}.country`, xero: `Addresses[AddressType=${type}].Country` },
];

const currencyNote = "If not set, uses the Currency from the D365 Invoice.";

/** D365 Account → Xero Contact. */
export const accountToXeroContact: MappingTable = {
  name: "Contact (Customer) › D365 Account",
  source: "Invoices: Dynamics 365 to Xero › Contact (Customer) › D365 Account",
  rows: [
    { constant: "account", model: "kind" },
    { dynamics: "accountid", model: "dynamicsId" },
    {
      dynamics: "mag_xerocontactid",
      model: "xeroContactId",
      xero: "ContactID",
      note: "The stored Xero contact id (matching).",
    },
    { dynamics: "name", model: "name", xero: "Name", note: "Must be unique. Used for matching." },
    {
      dynamics: "accountnumber",
      model: "accountNumber",
      xero: "AccountNumber",
      note: "Must be unique. Used for matching if provided.",
    },
    { dynamics: "primarycontactid/firstname", model: "firstName", xero: "FirstName" },
    { dynamics: "primarycontactid/lastname", model: "lastName", xero: "LastName" },
    { dynamics: "primarycontactid/emailaddress1", model: "emailAddress", xero: "EmailAddress" },
    {
      dynamics: "emailaddress1",
      model: "emailAddress",
      xero: "EmailAddress",
      ifEmpty: true,
      note: "Only if no Primary Billing Contact on the account.",
    },
    {
      dynamics: "mag_Account_Contact_BillingContacts",
      model: "additionalPeople",
      xero: "ContactPersons",
      each: additionalPersonToXero,
    },
    {
      dynamics: "transactioncurrencyid/isocurrencycode",
      context: "invoiceCurrencyCode",
      model: "currencyCode",
      xero: "DefaultCurrency",
      note: currencyNote,
    },
    { dynamics: "telephone1", model: "phones.default", xero: "Phones[PhoneType=DEFAULT].PhoneNumber" },
    { dynamics: "fax", model: "phones.fax", xero: "Phones[PhoneType=FAX].PhoneNumber" },
    ...addressRows("address1", "streetAddress", "STREET"),
    ...addressRows("address2", "postalAddress", "POBOX"),
  ],
};

/** D365 Contact → Xero Contact. */
export const contactToXeroContact: MappingTable = {
  name: "Contact (Customer) › D365 Contact",
  source: "Invoices: Dynamics 365 to Xero › Contact (Customer) › D365 Contact",
  rows: [
    { constant: "contact", model: "kind" },
    { dynamics: "contactid", model: "dynamicsId" },
    {
      dynamics: "mag_xerocontactid",
      model: "xeroContactId",
      xero: "ContactID",
      note: "The stored Xero contact id (matching).",
    },
    { dynamics: "fullname", model: "name", xero: "Name", note: "Must be unique. Used for matching." },
    { dynamics: "firstname", model: "firstName", xero: "FirstName" },
    { dynamics: "lastname", model: "lastName", xero: "LastName" },
    { dynamics: "emailaddress1", model: "emailAddress", xero: "EmailAddress" },
    {
      dynamics: "transactioncurrencyid/isocurrencycode",
      context: "invoiceCurrencyCode",
      model: "currencyCode",
      xero: "DefaultCurrency",
      note: currencyNote,
    },
    { dynamics: "telephone1", model: "phones.default", xero: "Phones[PhoneType=DEFAULT].PhoneNumber" },
    { dynamics: "mobilephone", model: "phones.mobile", xero: "Phones[PhoneType=MOBILE].PhoneNumber" },
    { dynamics: "fax", model: "phones.fax", xero: "Phones[PhoneType=FAX].PhoneNumber" },
    ...addressRows("address1", "streetAddress", "STREET"),
    ...addressRows("address2", "postalAddress", "POBOX"),
  ],
};
