// Security roles: https://learn.microsoft.com/power-platform/admin/security-roles-privileges
// Invoice lines (invoicedetail) have no privileges of their own: access follows the parent invoice.
import type { RoleInput } from "../schema";

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
];
