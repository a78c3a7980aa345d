// Many-to-many relationships the solution adds. For an N:N between two different tables Dataverse names the
// collection-valued navigation property on both sides after the relationship's schema name:
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-navigation-properties
import type { ManyToMany } from "./schema";

export const manyToMany: ManyToMany[] = [
  {
    // The account's additional billing contacts; they become Xero "additional people" (Include in emails = Yes).
    schemaName: "mag_Account_Contact_BillingContacts",
    entity1: "account",
    entity2: "contact",
    intersectEntity: "mag_account_contact_billingcontacts",
    entity1NavigationProperty: "mag_Account_Contact_BillingContacts",
    entity2NavigationProperty: "mag_Account_Contact_BillingContacts",
    entity1Label: "Billing Contacts",
    entity2Label: "Billed Accounts",
  },
  {
    // Tracking options of an invoice line (Xero allows up to two tracking categories per line).
    schemaName: "mag_InvoiceDetail_TrackingOption",
    entity1: "invoicedetail",
    entity2: "mag_trackingoption",
    intersectEntity: "mag_invoicedetail_trackingoption",
    entity1NavigationProperty: "mag_InvoiceDetail_TrackingOption",
    entity2NavigationProperty: "mag_InvoiceDetail_TrackingOption",
    entity1Label: "Tracking Options",
    entity2Label: "Invoice Products",
  },
];
