import { XrmMockGenerator } from "xrm-mock";
import { invoice, mag_xeroconnector, mag_xerostatus, mag_xerosyncstatus } from "../../src/generated/dataverse";
import { createCommandHandlers, syncNowNoticeId } from "../../src/commands/handlers";
import { noticeIds } from "../../src/invoice-form/rules";
import type { FakeServer, Row, TestPorts } from "../support/xrm";
import { fixedNow, formContext, initialisePage, notification } from "../support/xrm";

const invoiceId = "{0A1B2C3D-0000-4000-8000-000000000001}";
const connectorId = "{0A1B2C3D-0000-4000-8000-0000000000C1}";
const col = invoice.columns;
const minutesAgo = (minutes: number) => new Date(fixedNow.getTime() - minutes * 60_000);

const handlersFor = (ports: TestPorts) => createCommandHandlers(() => ports);

function buildInvoiceForm(
  values: { addToXero?: boolean; status?: number; error?: string; modifiedOn?: Date },
  server: FakeServer = {},
  id: string | null = invoiceId,
): TestPorts {
  const ports = initialisePage(invoice.logicalName, id ?? undefined, server);
  const attributes = XrmMockGenerator.Attribute;
  attributes.createBoolean(col.mag_addtoxero, values.addToXero ?? true);
  attributes.createOptionSet(col.mag_xerosyncstatus, values.status ?? undefined);
  attributes.createString(col.mag_xerosyncerror, values.error ?? undefined);
  if (values.modifiedOn !== undefined) attributes.createDate(col.modifiedon, values.modifiedOn);
  return ports;
}

describe("retryInvoiceSync", () => {
  it("sets the status back to Pending, clears the error, saves and says so", async () => {
    const ports = buildInvoiceForm({ status: mag_xerosyncstatus.Failed, error: "Contact is archived." });
    const form = formContext();
    const save = jest.spyOn(form.data, "save").mockResolvedValue(undefined);
    await handlersFor(ports).retryInvoiceSync(form);
    expect(form.getAttribute(col.mag_xerosyncstatus)?.getValue()).toBe(mag_xerosyncstatus.Pending);
    expect(form.getAttribute(col.mag_xerosyncerror)?.getValue()).toBeNull();
    // The fields are read-only on the form, so their values must be sent regardless.
    expect(form.getAttribute(col.mag_xerosyncstatus)?.getSubmitMode()).toBe("always");
    expect(form.getAttribute(col.mag_xerosyncerror)?.getSubmitMode()).toBe("always");
    expect(save).toHaveBeenCalledTimes(1);
    expect(notification(noticeIds.syncStatus)?.message).toMatch(/^Queued for another Xero sync/);
  });

  it("puts the values back and explains when the save fails", async () => {
    const ports = buildInvoiceForm({ status: mag_xerosyncstatus.Failed, error: "Contact is archived." });
    const form = formContext();
    jest.spyOn(form.data, "save").mockRejectedValue({ errorCode: 1, message: "Due Date is required." });
    const alert = jest.spyOn(ports.navigation, "openAlertDialog");
    await handlersFor(ports).retryInvoiceSync(form);
    expect(form.getAttribute(col.mag_xerosyncstatus)?.getValue()).toBe(mag_xerosyncstatus.Failed);
    expect(form.getAttribute(col.mag_xerosyncerror)?.getValue()).toBe("Contact is archived.");
    expect(alert).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringMatching(/Due Date is required\./) as unknown }));
  });
});

describe("canRetry", () => {
  it("is enabled for a failed invoice marked Add to Xero", () => {
    const ports = buildInvoiceForm({ status: mag_xerosyncstatus.Failed });
    expect(handlersFor(ports).canRetry(formContext())).toBe(true);
  });

  it("is disabled when Add to Xero is No, when synced, and on a new invoice", () => {
    const ports = buildInvoiceForm({ addToXero: false, status: mag_xerosyncstatus.Failed });
    expect(handlersFor(ports).canRetry(formContext())).toBe(false);
    const synced = buildInvoiceForm({ status: mag_xerosyncstatus.Synced });
    expect(handlersFor(synced).canRetry(formContext())).toBe(false);
    const unsaved = buildInvoiceForm({ status: mag_xerosyncstatus.Failed }, {}, null);
    expect(handlersFor(unsaved).canRetry(formContext())).toBe(false);
  });

  it("uses Modified On from the form for a pending invoice: enabled only when it has waited too long", () => {
    const stuck = buildInvoiceForm({ status: mag_xerosyncstatus.Pending, modifiedOn: minutesAgo(45) });
    expect(handlersFor(stuck).canRetry(formContext())).toBe(true);
    const fresh = buildInvoiceForm({ status: mag_xerosyncstatus.Pending, modifiedOn: minutesAgo(5) });
    expect(handlersFor(fresh).canRetry(formContext())).toBe(false);
  });

  it("asks the Web API for Modified On when the form does not show it", async () => {
    const retrieve = jest.fn((): Row => ({ [col.modifiedon]: minutesAgo(45).toISOString() }));
    const ports = buildInvoiceForm({ status: mag_xerosyncstatus.Pending }, { retrieve });
    await expect(handlersFor(ports).canRetry(formContext())).resolves.toBe(true);
    expect(retrieve).toHaveBeenCalledWith(invoice.logicalName, "0a1b2c3d-0000-4000-8000-000000000001", "?$select=modifiedon");
  });

  it("stays disabled when that read fails", async () => {
    const ports = buildInvoiceForm(
      { status: mag_xerosyncstatus.Pending },
      {
        retrieve: () => {
          throw new Error("offline");
        },
      },
    );
    await expect(handlersFor(ports).canRetry(formContext())).resolves.toBe(false);
  });
});

describe("retryInvoicesSync", () => {
  const ids = ["0a1b2c3d-0000-4000-8000-00000000000a", "0a1b2c3d-0000-4000-8000-00000000000b", "0a1b2c3d-0000-4000-8000-00000000000c"];
  const rows: Row[] = [
    { invoiceid: ids[0], name: "INV-001", mag_addtoxero: true, mag_xerosyncstatus: mag_xerosyncstatus.Failed, modifiedon: minutesAgo(1).toISOString() },
    { invoiceid: ids[1], name: "INV-002", mag_addtoxero: true, mag_xerosyncstatus: mag_xerosyncstatus.Synced, modifiedon: minutesAgo(1).toISOString() },
    { invoiceid: ids[2], name: "INV-003", mag_addtoxero: true, mag_xerosyncstatus: mag_xerosyncstatus.Pending, modifiedon: minutesAgo(90).toISOString() },
  ];

  function setUp(update: NonNullable<FakeServer["update"]>) {
    const queries: string[] = [];
    const ports = initialisePage("invoice", undefined, {
      retrieveMultiple: (table, options) => {
        queries.push(`${table} ${options}`);
        return rows;
      },
      update,
    });
    const grid = XrmMockGenerator.Control.createGrid("invoices");
    const refresh = jest.spyOn(grid, "refresh").mockImplementation(() => undefined);
    const alert = jest.spyOn(ports.navigation, "openAlertDialog");
    return { ports, grid: grid as unknown as Xrm.Controls.GridControl, refresh, alert, queries };
  }

  it("sets qualifying invoices back to pending, refreshes the grid and shows a summary", async () => {
    const updates: [string, string, Row][] = [];
    const { ports, grid, refresh, alert, queries } = setUp((table, id, data) => {
      updates.push([table, id, data]);
    });
    await handlersFor(ports).retryInvoicesSync(ids.map((id) => `{${id.toUpperCase()}}`), grid);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain(`Microsoft.Dynamics.CRM.In(PropertyName='invoiceid',PropertyValues=['${ids[0] ?? ""}'`);
    expect(updates).toStrictEqual([
      ["invoice", ids[0], { mag_xerosyncstatus: mag_xerosyncstatus.Pending, mag_xerosyncerror: null }],
      ["invoice", ids[2], { mag_xerosyncstatus: mag_xerosyncstatus.Pending, mag_xerosyncerror: null }],
    ]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(alert).toHaveBeenCalledWith({
      title: "Retry Xero sync",
      text: "2 invoices queued for another Xero sync. The connector takes them on its next run.\nLeft alone, already in Xero: INV-002.",
    });
    expect(ports.showProgress).toHaveBeenCalledTimes(1);
    expect(ports.closeProgress).toHaveBeenCalledTimes(1);
  });

  it("keeps going when one update fails, and names it", async () => {
    const { ports, grid, alert } = setUp((_table, id) => {
      if (id === ids[0]) throw new Error("Access denied");
    });
    await handlersFor(ports).retryInvoicesSync(ids, grid);
    const [[shown]] = alert.mock.calls as unknown as [[Xrm.Navigation.AlertStrings]];
    expect(shown.text).toMatch(/^1 invoice queued/);
    expect(shown.text).toMatch(/Not updated, INV-001: Access denied/);
  });

  it("lists failures in selection order, whatever order they come back in", async () => {
    const { ports, grid, alert } = setUp(async (_table, id) => {
      if (id === ids[0]) await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error(`refused ${id.slice(-1)}`);
    });
    await handlersFor(ports).retryInvoicesSync(ids, grid);
    const [[shown]] = alert.mock.calls as unknown as [[Xrm.Navigation.AlertStrings]];
    expect(shown.text.split("\n").filter((line) => line.startsWith("Not updated"))).toStrictEqual([
      "Not updated, INV-001: refused a",
      "Not updated, INV-003: refused c",
    ]);
  });

  it("reads a large selection in chunks of 50", async () => {
    const many = Array.from({ length: 120 }, (_, index) => `0a1b2c3d-0000-4000-8000-${index.toString(16).padStart(12, "0")}`);
    const { ports, grid, queries } = setUp(() => undefined);
    await handlersFor(ports).retryInvoicesSync(many, grid);
    expect(queries).toHaveLength(3);
  });

  it("asks for a selection when nothing is selected", async () => {
    const { ports, grid, alert } = setUp(() => undefined);
    await handlersFor(ports).retryInvoicesSync([], grid);
    expect(alert).toHaveBeenCalledWith({ title: "Retry Xero sync", text: "Select the invoices to retry first." });
  });
});

describe("syncConnectorNow", () => {
  const ccol = mag_xeroconnector.columns;

  function buildConnectorForm(values: { enabled?: boolean; status?: number; withRequestedOn?: boolean }, server: FakeServer = {}) {
    const ports = initialisePage(mag_xeroconnector.logicalName, connectorId, server);
    const attributes = XrmMockGenerator.Attribute;
    attributes.createBoolean(ccol.mag_enabled, values.enabled ?? true);
    attributes.createOptionSet(ccol.mag_xerostatus, values.status ?? mag_xerostatus.Connected);
    if (values.withRequestedOn === true) attributes.createDate(ccol.mag_syncrequestedon, undefined);
    return ports;
  }

  it("stamps Sync requested on, saves and says so", async () => {
    const ports = buildConnectorForm({ withRequestedOn: true });
    const form = formContext();
    const save = jest.spyOn(form.data, "save").mockResolvedValue(undefined);
    await handlersFor(ports).syncConnectorNow(form);
    expect(form.getAttribute(ccol.mag_syncrequestedon)?.getValue()).toStrictEqual(fixedNow);
    expect(form.getAttribute(ccol.mag_syncrequestedon)?.getSubmitMode()).toBe("always");
    expect(save).toHaveBeenCalledTimes(1);
    expect(notification(syncNowNoticeId)?.message).toBe(
      "Sync requested at 2026-11-22T10:00:00.000Z. The connector runs its enabled data flows shortly; Last Synched On changes when it has.",
    );
  });

  it("updates the record directly when the column is not on the form", async () => {
    const updates: [string, string, Row][] = [];
    const ports = buildConnectorForm({}, { update: (table, id, data) => void updates.push([table, id, data]) });
    await handlersFor(ports).syncConnectorNow(formContext());
    expect(updates).toStrictEqual([
      [mag_xeroconnector.logicalName, "0a1b2c3d-0000-4000-8000-0000000000c1", { mag_syncrequestedon: fixedNow.toISOString() }],
    ]);
  });

  it("refuses on a disabled or disconnected connector, with the reason", async () => {
    const ports = buildConnectorForm({ enabled: false, withRequestedOn: true });
    const alert = jest.spyOn(ports.navigation, "openAlertDialog");
    const save = jest.spyOn(formContext().data, "save");
    await handlersFor(ports).syncConnectorNow(formContext());
    expect(alert).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringMatching(/disabled/) as unknown }));
    expect(save).not.toHaveBeenCalled();
    const disconnected = buildConnectorForm({ status: mag_xerostatus.Disconnected });
    const alertAgain = jest.spyOn(disconnected.navigation, "openAlertDialog");
    await handlersFor(disconnected).syncConnectorNow(formContext());
    expect(alertAgain).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringMatching(/not connected/) as unknown }));
  });
});
