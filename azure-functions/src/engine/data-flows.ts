// Reads a connector and its Xero Data Flow rows in one Web API request (the connector with its data flows expanded).
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/join-tables
import type { DataversePort } from "../adapters/dataverse/port";
import type { Plain } from "../mapping/engine";
import { mag_flow, mag_xeroconnector, mag_xerodataflow, mag_xerostatus } from "../generated/dataverse";
import type { FlowName } from "../flows/ports";
import type { ConnectorState, DataFlowState } from "./schedule";

const flowByChoice = new Map<number, FlowName>(
  Object.entries(mag_flow).map(([name, value]) => [value, name as FlowName]),
);
const flowsNavigation =
  "mag_xeroconnector_xerodataflow_xeroconnectorid" satisfies keyof typeof mag_xeroconnector.collections;

/** The reference docs' defaults, used when a row leaves a value empty. */
const defaultIntervalMinutes: Record<FlowName, number> = {
  InvoicesToXero: 15,
  InvoicesFromXero: 15,
  PaymentsFromXero: 180,
  CreditNotesToXero: 180,
  CreditNotesFromXero: 180,
  ContactsFromXero: 180,
  InvoiceEmailsToXero: 60,
  ReferenceData: 60,
};

const dateOf = (value: unknown): Date | undefined =>
  typeof value === "string" && value !== "" ? new Date(value) : undefined;

export async function readConnectorFlows(
  dataverse: DataversePort,
  connectorId: string,
): Promise<{ connector: ConnectorState; flows: DataFlowState[] } | undefined> {
  const cc = mag_xeroconnector.columns;
  const fc = mag_xerodataflow.columns;
  const row = await dataverse.retrieve<Plain>(mag_xeroconnector.entitySetName, connectorId, {
    select: [
      cc.mag_xeroconnectorid,
      cc.mag_enabled,
      cc.mag_isdefault,
      cc.mag_xerostatus,
      cc.mag_syncrequestedon,
      cc.mag_realtimeenabled,
    ],
    expand: [
      {
        property: flowsNavigation,
        select: [
          fc.mag_xerodataflowid,
          fc.mag_flow,
          fc.mag_enabled,
          fc.mag_intervalminutes,
          fc.mag_synclastxdays,
          fc.mag_lastrunon,
        ],
      },
    ],
  });
  if (row === undefined) return undefined;
  const syncRequestedOn = dateOf(row[cc.mag_syncrequestedon]);
  const connector: ConnectorState = {
    connectorId,
    enabled: row[cc.mag_enabled] === true,
    isDefault: row[cc.mag_isdefault] === true,
    connected: row[cc.mag_xerostatus] !== mag_xerostatus.Disconnected,
    realtimeEnabled: row[cc.mag_realtimeenabled] === true,
    ...(syncRequestedOn === undefined ? {} : { syncRequestedOn }),
  };
  const flows = ((row[flowsNavigation] as Plain[] | undefined) ?? []).flatMap((flowRow): DataFlowState[] => {
    const flow = flowByChoice.get(Number(flowRow[fc.mag_flow]));
    if (flow === undefined) return [];
    const lastRunOn = dateOf(flowRow[fc.mag_lastrunon]);
    const interval = Number(flowRow[fc.mag_intervalminutes]);
    const window = Number(flowRow[fc.mag_synclastxdays]);
    return [
      {
        dataFlowId: String(flowRow[fc.mag_xerodataflowid]),
        flow,
        enabled: flowRow[fc.mag_enabled] === true,
        intervalMinutes: Number.isInteger(interval) && interval > 0 ? interval : defaultIntervalMinutes[flow],
        windowDays: Number.isInteger(window) && window > 0 ? window : 7,
        ...(lastRunOn === undefined ? {} : { lastRunOn }),
      },
    ];
  });
  return { connector, flows };
}
