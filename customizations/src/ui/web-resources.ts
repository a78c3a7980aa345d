// Web resources the solution registers. The files are built by the web resources workspace into
// webresources/dist/<name>; the generator registers and ships only those that exist (ARCHITECTURE.md).
import type { WebResourceInput } from "../schema";

export const invoiceFormScript = "mag_/scripts/invoice-form.js";
export const connectorFormScript = "mag_/scripts/connector-form.js";
export const commandsScript = "mag_/scripts/commands.js";
export const icon16 = "mag_/images/xero-16.svg";
export const icon32 = "mag_/images/xero-32.svg";

export const webResources: WebResourceInput[] = [
  {
    name: invoiceFormScript,
    displayName: "Xero Connector: invoice form",
    description: "Invoice form handlers.",
    type: "Script",
  },
  {
    name: connectorFormScript,
    displayName: "Xero Connector: connector form",
    description: "Connector form handlers.",
    type: "Script",
  },
  {
    name: commandsScript,
    displayName: "Xero Connector: commands",
    description: "Retry Xero sync and Sync now commands.",
    type: "Script",
  },
  { name: icon16, displayName: "Xero icon 16", description: "Command icon.", type: "Svg" },
  { name: icon32, displayName: "Xero icon 32", description: "Command icon.", type: "Svg" },
];
