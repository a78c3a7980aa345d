// Global choices the solution adds. Values come from the publisher's option value prefix 58210
// (582100000 + n), as AppSource requires: https://learn.microsoft.com/power-apps/maker/data-platform/create-solution#solution-publisher
import type { Choice } from "./schema";

export const optionValuePrefix = 58210;
const value = (n: number): number => optionValuePrefix * 10000 + n;

export const choices: Choice[] = [
  {
    name: "mag_xerosyncstatus",
    displayName: "Xero Sync Status",
    description: "Where a record is in its sync to Xero.",
    options: [
      { value: value(0), label: "Pending" },
      { value: value(1), label: "Synced" },
      { value: value(2), label: "Failed" },
      { value: value(3), label: "Retrying" },
    ],
  },
  {
    name: "mag_xerostatus",
    displayName: "Xero Status",
    description: "Whether the connector can reach its Xero organisation.",
    options: [
      { value: value(0), label: "Connected" },
      { value: value(1), label: "Disconnected" },
      { value: value(2), label: "Not Connected" },
    ],
  },
  {
    name: "mag_flow",
    displayName: "Xero Data Flow",
    description: "One data flow between Dynamics 365 and Xero.",
    options: [
      { value: value(0), label: "Invoices To Xero" },
      { value: value(1), label: "Invoices From Xero" },
      { value: value(2), label: "Payments From Xero" },
      { value: value(3), label: "Credit Notes To Xero" },
      { value: value(4), label: "Credit Notes From Xero" },
      { value: value(5), label: "Contacts From Xero" },
      { value: value(6), label: "Invoice Emails To Xero" },
      { value: value(7), label: "Reference Data" },
    ],
  },
  {
    name: "mag_direction",
    displayName: "Sync Direction",
    description: "Which way a data flow moves records.",
    options: [
      { value: value(0), label: "Dynamics 365 To Xero", key: "DynamicsToXero" },
      { value: value(1), label: "Xero To Dynamics 365", key: "XeroToDynamics" },
    ],
  },
  {
    name: "mag_lastresult",
    displayName: "Last Run Result",
    description: "The outcome of a data flow's last run.",
    options: [
      { value: value(0), label: "Succeeded" },
      { value: value(1), label: "Partially Succeeded" },
      { value: value(2), label: "Failed" },
      { value: value(3), label: "Nothing To Do" },
    ],
  },
];
