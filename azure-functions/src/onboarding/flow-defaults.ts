// The data flows a new connector starts with: PRODUCT.md's table "Data flows (defaults; every one adjustable per
// connector)". One row per flow; onboarding creates the missing ones and never changes a row an admin has edited.
import type { mag_direction, mag_flow } from "../generated/dataverse";

export type FlowName = keyof typeof mag_flow;

export interface DataFlowDefault {
  flow: FlowName;
  name: string;
  direction: keyof typeof mag_direction;
  intervalMinutes: number;
  enabled: boolean;
  /** "Sync last X days"; reference data has no window. */
  syncLastXDays: number | null;
}

export const dataFlowDefaults: readonly DataFlowDefault[] = [
  {
    flow: "InvoicesToXero",
    name: "Invoices to Xero",
    direction: "DynamicsToXero",
    intervalMinutes: 15,
    enabled: true,
    syncLastXDays: 7,
  },
  {
    flow: "InvoicesFromXero",
    name: "Invoices from Xero",
    direction: "XeroToDynamics",
    intervalMinutes: 15,
    enabled: false,
    syncLastXDays: 7,
  },
  {
    flow: "PaymentsFromXero",
    name: "Payments from Xero",
    direction: "XeroToDynamics",
    intervalMinutes: 180,
    enabled: true,
    syncLastXDays: 7,
  },
  {
    flow: "CreditNotesToXero",
    name: "Credit notes to Xero",
    direction: "DynamicsToXero",
    intervalMinutes: 180,
    enabled: true,
    syncLastXDays: 7,
  },
  {
    flow: "CreditNotesFromXero",
    name: "Credit notes from Xero",
    direction: "XeroToDynamics",
    intervalMinutes: 180,
    enabled: true,
    syncLastXDays: 7,
  },
  {
    flow: "ContactsFromXero",
    name: "Contacts from Xero",
    direction: "XeroToDynamics",
    intervalMinutes: 180,
    enabled: false,
    syncLastXDays: 7,
  },
  {
    flow: "InvoiceEmailsToXero",
    name: "Invoice emails to Xero",
    direction: "DynamicsToXero",
    intervalMinutes: 60,
    enabled: true,
    syncLastXDays: 7,
  },
  // Account codes, tax rates, branding themes and tracking come from Xero; the reference docs refresh them before the
  // flows that need them (the scheduler caps it at hourly).
  {
    flow: "ReferenceData",
    name: "Reference data",
    direction: "XeroToDynamics",
    intervalMinutes: 60,
    enabled: true,
    syncLastXDays: null,
  },
];

/** What runs the moment a connection is complete: reference data first, then the enabled pulls from Xero. */
export function selectFirstSyncFlows(rows: readonly { flow: FlowName; enabled: boolean }[]): FlowName[] {
  const pulls = new Set(dataFlowDefaults.filter((row) => row.direction === "XeroToDynamics").map((row) => row.flow));
  const enabled = rows.filter((row) => row.enabled && pulls.has(row.flow)).map((row) => row.flow);
  return [...enabled.filter((flow) => flow === "ReferenceData"), ...enabled.filter((flow) => flow !== "ReferenceData")];
}
