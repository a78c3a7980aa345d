// Charts (saved query visualizations): https://learn.microsoft.com/power-apps/developer/model-driven-apps/view-data-with-visualizations-charts
import type { ChartInput } from "../schema";

export const charts: ChartInput[] = [
  {
    table: "invoice",
    name: "Invoices by Xero Sync Status",
    description: "How many invoices are pending, synced, failed or retrying.",
    groupBy: "mag_xerosyncstatus",
    countColumn: "invoiceid",
    chartType: "Column",
  },
  {
    table: "mag_xerosynclog",
    name: "Sync Failures by Flow",
    description: "Logged sync failures per data flow.",
    groupBy: "mag_flow",
    countColumn: "mag_xerosynclogid",
    chartType: "Bar",
  },
];
