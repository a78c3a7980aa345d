// Security roles: https://learn.microsoft.com/power-platform/admin/security-roles-privileges
// Invoice lines (invoicedetail) have no privileges of their own: access follows the parent invoice.
import type { RoleInput } from "../schema";

type Privilege = RoleInput["tables"][number]["privileges"][number];

const all = ["Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"] as const;
const referenceTables = [
  "mag_xeroaccountcode",
  "mag_taxrate",
  "mag_brandingtheme",
  "mag_trackingcategory",
  "mag_trackingoption",
];

export const adminRole = "Xero Connector Administrator";
export const userRole = "Xero Connector User";
/** The role of the application user the sync service runs as in the customer's environment. */
export const serviceRole = "Xero Connector Service";

/**
 * Tables without privileges of their own, and the table whose privileges govern them.
 * - Invoice lines: "There are no specific privileges for the InvoiceDetail entity"
 *   https://learn.microsoft.com/previous-versions/dynamicscrm-2013/developers-guide/gg334487(v=crm.6)
 * - Price lists and unit groups carry the Product privileges (entity type codes 1024;1022;1056;1080)
 *   https://learn.microsoft.com/previous-versions/dynamicscrm-2013/developers-guide/gg309255(v=crm.6) ; units
 *   (uom, ownership None) too: updating one "must have prvWriteProduct"
 *   https://learn.microsoft.com/previous-versions/aa662729(v=msdn.10)
 * - Message filters: "There are no specific privileges for the SdkMessageFilter entity"; the SdkMessage privileges
 *   cover it (type code 4607) https://learn.microsoft.com/previous-versions/dynamicscrm-2013/developers-guide/gg327927(v=crm.6)
 */
export const privilegeTableOf: Readonly<Record<string, string>> = {
  invoicedetail: "invoice",
  pricelevel: "product",
  uomschedule: "product",
  uom: "product",
  sdkmessagefilter: "sdkmessage",
};

const readWriteOnly: readonly Privilege[] = ["Create", "Read", "Write", "Delete"];
/**
 * Platform tables that define only some privileges: a role naming another one fails to import. The webhook tables
 * have no Append/AppendTo (their rows still point at each other), e.g.
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2013/developers-guide/gg328545(v=crm.6) (ServiceEndpoint),
 * …/gg334454(v=crm.6) (SdkMessageProcessingStep), …/gg309273(v=crm.7) (SdkMessageProcessingStepImage),
 * …/gg328085(v=crm.7) (SdkMessage); so does Entity on the Customization tab
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/hh547441(v=crm.8)
 */
export const privilegesDefinedOn: Readonly<Record<string, readonly Privilege[]>> = {
  serviceendpoint: readWriteOnly,
  sdkmessageprocessingstep: readWriteOnly,
  sdkmessageprocessingstepimage: readWriteOnly,
  sdkmessage: readWriteOnly,
  entity: readWriteOnly,
};

const grant = (table: string, privileges: Privilege[], schemaName?: string): RoleInput["tables"][number] => ({
  table,
  ...(schemaName === undefined ? {} : { schemaName }),
  privileges,
  depth: "Global",
});

/**
 * Exactly what the sync service does in the customer's Dataverse (azure-functions/src; the role test derives the
 * same list from that code and fails on any difference). Global depth throughout: the service works on every
 * business unit's rows. It deletes nothing but its own webhook registration.
 * Append = this row gets a lookup set (@odata.bind); AppendTo = rows may point at this one; an N:N association needs
 * both on both sides: https://learn.microsoft.com/power-platform/admin/security-roles-privileges
 */
const serviceGrants: RoleInput["tables"] = [
  // Onboarding creates and updates the connector; everything the service writes points at it.
  grant("mag_xeroconnector", ["Create", "Read", "Write", "AppendTo"]),
  // Onboarding creates the flows; each run writes its result back.
  grant("mag_xerodataflow", ["Create", "Read", "Write", "Append"]),
  // Reference data is created and refreshed from Xero; invoice lines, payments and invoices point at it.
  grant("mag_xeroaccountcode", ["Create", "Read", "Write", "Append", "AppendTo"]),
  grant("mag_taxrate", ["Create", "Read", "Write", "Append", "AppendTo"]),
  grant("mag_brandingtheme", ["Create", "Read", "Write", "Append", "AppendTo"]),
  grant("mag_trackingcategory", ["Create", "Read", "Write", "Append", "AppendTo"]),
  // Options point at their category and are associated with invoice lines (N:N mag_InvoiceDetail_TrackingOption).
  grant("mag_trackingoption", ["Create", "Read", "Write", "Append", "AppendTo"]),
  // Payments from Xero are upserted by Xero payment id (Create + Write) and deactivated when Xero deletes them.
  grant("mag_payment", ["Create", "Read", "Write", "Append"]),
  // Credit notes are pushed (status written back) and pulled (created).
  grant("mag_creditnote", ["Create", "Read", "Write", "Append"]),
  // Failures are logged; the service never reads the log back.
  grant("mag_xerosynclog", ["Create", "Append"]),
  // Invoices (and their lines) are pushed, written back, closed or reopened, and created by the invoice pull.
  grant("invoice", ["Create", "Read", "Write", "Append", "AppendTo"]),
  // Customers are read for the push; the Xero contact id is written back; the contact pull creates accounts.
  grant("account", ["Create", "Read", "Write", "Append", "AppendTo"]),
  grant("contact", ["Read", "Write"]),
  // Products by number, price lists by currency, units of products: read and pointed at by pulled invoices.
  grant("product", ["Read", "AppendTo"]),
  grant("transactioncurrency", ["Read", "AppendTo"]),
  // Real-time add-on: its webhook (service endpoint), a step per watched table and the step's post image
  // (Create/Read/Write/Delete are all these tables have: privilegesDefinedOn).
  grant("serviceendpoint", ["Create", "Read", "Write", "Delete"]),
  grant("sdkmessageprocessingstep", ["Create", "Read", "Write", "Delete"]),
  grant("sdkmessageprocessingstepimage", ["Create", "Read", "Write", "Delete"]),
  // The Update message and its filter per table (prvReadSdkMessage covers sdkmessagefilter):
  // https://learn.microsoft.com/previous-versions/dynamicscrm-2015/developers-guide/gg328085(v=crm.7)
  grant("sdkmessage", ["Read"]),
  // Install checks: the solution's version (prvReadSolution)
  // https://learn.microsoft.com/previous-versions/dynamicscrm-2015/developers-guide/gg334478(v=crm.7) and its tables'
  // metadata (EntityDefinitions: Read on Entity, the Customization tab's prvReadEntity
  // https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/hh547441(v=crm.8) , which the
  // Dynamics 365 Marketing developer guide's application-user role for event registration also lists).
  grant("solution", ["Read"], "Solution"),
  grant("entity", ["Read"], "Entity"),
];

export const roles: RoleInput[] = [
  {
    name: adminRole,
    description: "Configures connectors and data flows, reads the sync history and retries failures.",
    tables: [
      ...[
        "mag_xeroconnector",
        "mag_xerodataflow",
        ...referenceTables,
        "mag_payment",
        "mag_creditnote",
        "mag_xerosynclog",
      ].map((table) => ({
        table,
        privileges: [...all],
        depth: "Global" as const,
      })),
      { table: "invoice", privileges: ["Read", "Write", "Append", "AppendTo"], depth: "Global" },
      { table: "account", privileges: ["Read", "Append", "AppendTo"], depth: "Global" },
      { table: "contact", privileges: ["Read", "Append", "AppendTo"], depth: "Global" },
    ],
  },
  {
    name: userRole,
    description: "Sends invoices and credit notes to Xero and sees their sync status.",
    tables: [
      { table: "mag_xeroconnector", privileges: ["Read", "AppendTo"], depth: "Global" },
      { table: "mag_xerodataflow", privileges: ["Read"], depth: "Global" },
      ...referenceTables.map((table) => ({
        table,
        privileges: ["Read", "AppendTo"] as RoleInput["tables"][number]["privileges"],
        depth: "Global" as const,
      })),
      { table: "mag_payment", privileges: ["Read"], depth: "Global" },
      { table: "mag_creditnote", privileges: ["Create", "Read", "Write", "Append"], depth: "Local" },
      { table: "mag_xerosynclog", privileges: ["Read"], depth: "Global" },
      { table: "invoice", privileges: ["Read", "Write", "Append", "AppendTo"], depth: "Local" },
    ],
  },
  {
    name: serviceRole,
    description: "For the application user of the Xero Connector sync service. Assign it to no person.",
    tables: serviceGrants,
  },
];
