// Command bar buttons (RibbonDiffXml). Retry Xero sync sets the invoice's mag_xerosyncstatus to Pending and clears
// mag_xerosyncerror; Sync now stamps the connector's mag_syncrequestedon (ARCHITECTURE.md).
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/customize-commands-ribbon
import type { RibbonCommandInput } from "../schema";
import { commandsScript, icon16, icon32 } from "./web-resources";

export const ribbon: RibbonCommandInput[] = [
  {
    table: "invoice",
    id: "RetryXeroSync",
    label: "Retry Xero sync",
    location: "Form",
    library: commandsScript,
    functionName: "XeroConnector.Commands.retryInvoiceSync",
    parameters: ["PrimaryControl"],
    enableFunction: "XeroConnector.Commands.canRetry",
    icon16,
    icon32,
  },
  {
    table: "invoice",
    id: "RetryXeroSyncSelected",
    label: "Retry Xero sync",
    location: "HomepageGrid",
    library: commandsScript,
    functionName: "XeroConnector.Commands.retryInvoicesSync",
    parameters: ["SelectedControlSelectedItemIds", "SelectedControl"],
    requiresSelection: true,
    icon16,
    icon32,
  },
  {
    table: "mag_xeroconnector",
    id: "SyncNow",
    label: "Sync now",
    location: "Form",
    library: commandsScript,
    functionName: "XeroConnector.Commands.syncConnectorNow",
    parameters: ["PrimaryControl"],
    icon16,
    icon32,
  },
];
