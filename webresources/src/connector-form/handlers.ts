// Xero Connector form wiring. Registered as XeroConnector.ConnectorForm.*.
import { mag_xeroconnector, mag_xerodataflow } from "../generated/dataverse";
import { describeError } from "../shared/errors";
import { lockColumns, readBoolean, readDate, readNumber, readRecordId, readText, showNotice, showNotices } from "../shared/form";
import { neGuid, toQueryOptions } from "../shared/odata";
import type { ClientPorts } from "../shared/ports";
import type { OtherDefault } from "./rules";
import { bannerIds, decideDefaultChange, noticeIds, toConnectorBanner } from "./rules";

const col = mag_xeroconnector.columns;

/** Columns the service and the onboarding flow write: shown read-only. */
export const serviceWrittenColumns = [
  col.mag_xeroorganisationname,
  col.mag_xerotenantid,
  col.mag_xerostatus,
  col.mag_xerostatusreason,
  col.mag_lastsynchedon,
  col.mag_xerograntexpireson,
  col.mag_xerocallsremainingtoday,
  col.mag_lasterror,
  col.mag_syncrequestedon,
] as const;

export interface ConnectorFormHandlers {
  onLoad(context: Xrm.Events.EventContext): void;
  onIsDefaultChange(context: Xrm.Events.EventContext): Promise<void>;
}

export function createConnectorFormHandlers(getPorts: () => ClientPorts): ConnectorFormHandlers {
  function onLoad(context: Xrm.Events.EventContext): void {
    const form = context.getFormContext();
    lockColumns(form, serviceWrittenColumns);
    renderBanner(form, getPorts());
    refreshDataFlowGrids(form);
  }

  async function onIsDefaultChange(context: Xrm.Events.EventContext): Promise<void> {
    const form = context.getFormContext();
    const ports = getPorts();
    form.ui.clearFormNotification(noticeIds.isDefault);
    const isDefault = readBoolean(form, col.mag_isdefault);
    if (isDefault !== true) return;
    try {
      const others = await loadOtherDefaults(ports, readRecordId(form));
      const change = decideDefaultChange(isDefault, readText(form, col.mag_name) ?? "", others);
      if (change.action === "none") return;
      const answer = await ports.navigation.openConfirmDialog(
        { title: change.title, text: change.text, confirmButtonLabel: "Make this the default", cancelButtonLabel: "Keep the current default" },
      );
      if (!answer.confirmed) {
        form.getAttribute(col.mag_isdefault)?.setValue(false);
        showNotice(form, change.keptNotice);
        return;
      }
      await switchDefault(form, ports, change.others);
    } catch (error) {
      form.getAttribute(col.mag_isdefault)?.setValue(false);
      showNotice(form, {
        id: noticeIds.isDefault,
        level: "ERROR",
        message: `The default connector was not changed: ${describeError(error)}`,
      });
    }
  }

  return { onLoad, onIsDefaultChange };
}

function renderBanner(form: Xrm.FormContext, ports: ClientPorts): void {
  const notices = toConnectorBanner(
    {
      enabled: readBoolean(form, col.mag_enabled),
      organisationName: readText(form, col.mag_xeroorganisationname),
      status: readNumber(form, col.mag_xerostatus),
      statusReason: readText(form, col.mag_xerostatusreason),
      grantExpiresOn: readDate(form, col.mag_xerograntexpireson),
      callsRemainingToday: readNumber(form, col.mag_xerocallsremainingtoday),
      lastSynchedOn: readDate(form, col.mag_lastsynchedon),
      lastError: readText(form, col.mag_lasterror),
    },
    ports.now(),
    ports.formatDateTime,
  );
  showNotices(form, bannerIds, notices);
}

/**
 * Refreshes the data-flow subgrids the form declares, found by the table they show rather than by name so a renamed
 * subgrid still works. https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/grids/gridcontrol/refresh
 */
function refreshDataFlowGrids(form: Xrm.FormContext): void {
  form.ui.controls.forEach((control) => {
    if (control.getControlType() !== "subgrid") return;
    const grid = control as Xrm.Controls.GridControl;
    if (grid.getEntityName() === mag_xerodataflow.logicalName) grid.refresh();
  });
}

/** The other active connectors marked default. */
async function loadOtherDefaults(ports: ClientPorts, thisId: string | undefined): Promise<OtherDefault[]> {
  const filters = [`${col.mag_isdefault} eq true`, `${col.statecode} eq 0`];
  if (thisId !== undefined) filters.push(neGuid(mag_xeroconnector.primaryIdAttribute, thisId));
  const result = await ports.webApi.retrieveMultipleRecords(
    mag_xeroconnector.logicalName,
    toQueryOptions({ select: [mag_xeroconnector.primaryIdAttribute, col.mag_name], filter: filters.join(" and "), top: 10 }),
  );
  return (result.entities as Record<string, unknown>[]).map((row) => ({
    id: String(row[mag_xeroconnector.primaryIdAttribute]),
    name: typeof row[col.mag_name] === "string" ? (row[col.mag_name] as string) : "",
  }));
}

/**
 * Moves the default here. The others are cleared first and this record saved second: for a moment there is no default
 * (invoices without a connector wait one cycle), never two (which could send an invoice to the wrong organisation).
 * If the save fails, the others get their flag back.
 */
async function switchDefault(form: Xrm.FormContext, ports: ClientPorts, others: readonly OtherDefault[]): Promise<void> {
  for (const other of others) {
    await ports.webApi.updateRecord(mag_xeroconnector.logicalName, other.id, { [col.mag_isdefault]: false });
  }
  try {
    await form.data.save();
  } catch (error) {
    for (const other of others) {
      await ports.webApi.updateRecord(mag_xeroconnector.logicalName, other.id, { [col.mag_isdefault]: true });
    }
    throw error;
  }
  showNotice(form, {
    id: noticeIds.isDefault,
    level: "INFO",
    message: `This is now the default connector (it was ${others.map((other) => `"${other.name}"`).join(", ")}).`,
  });
}
