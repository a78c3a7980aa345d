import { XrmMockGenerator } from "xrm-mock";
import { mag_xeroconnector, mag_xerodataflow, mag_xerostatus } from "../../src/generated/dataverse";
import { createConnectorFormHandlers, serviceWrittenColumns } from "../../src/connector-form/handlers";
import { noticeIds } from "../../src/connector-form/rules";
import type { FakeServer, Row, TestPorts } from "../support/xrm";
import { eventContext, fixedNow, formContext, formNotifications, initialisePage, isDisabled, notification } from "../support/xrm";

const connectorId = "{0A1B2C3D-0000-4000-8000-0000000000C2}";
const otherId = "0a1b2c3d-0000-4000-8000-0000000000c1";
const col = mag_xeroconnector.columns;

interface ConnectorValues {
  name?: string;
  isDefault?: boolean;
  status?: number;
  statusReason?: string;
  grantExpiresOn?: Date;
  callsRemaining?: number;
  lastSynchedOn?: Date;
  lastError?: string;
}

function buildConnectorForm(values: ConnectorValues, server: FakeServer = {}): TestPorts {
  const ports = initialisePage(mag_xeroconnector.logicalName, connectorId, server);
  const attributes = XrmMockGenerator.Attribute;
  attributes.createString(col.mag_name, values.name ?? "Acme AU");
  attributes.createBoolean(col.mag_enabled, true);
  attributes.createBoolean(col.mag_isdefault, values.isDefault ?? false);
  attributes.createString(col.mag_xeroorganisationname, "Acme AU Pty Ltd");
  attributes.createString(col.mag_xerotenantid, "6f1a2c3d-0000-4000-8000-000000000001");
  attributes.createOptionSet(col.mag_xerostatus, values.status ?? mag_xerostatus.Connected);
  attributes.createString(col.mag_xerostatusreason, values.statusReason ?? undefined);
  attributes.createDate(col.mag_xerograntexpireson, values.grantExpiresOn ?? new Date(fixedNow.getTime() + 40 * 86_400_000));
  attributes.createNumber(col.mag_xerocallsremainingtoday, values.callsRemaining ?? 4900);
  attributes.createDate(col.mag_lastsynchedon, values.lastSynchedOn ?? new Date(fixedNow.getTime() - 60_000));
  attributes.createString(col.mag_lasterror, values.lastError ?? undefined);
  attributes.createDate(col.mag_syncrequestedon, undefined);
  return ports;
}

const handlersFor = (ports: TestPorts) => createConnectorFormHandlers(() => ports);

describe("connector form: onLoad", () => {
  it("shows a connected banner and locks what the service writes", () => {
    const ports = buildConnectorForm({});
    handlersFor(ports).onLoad(eventContext());
    expect(formNotifications().map((n) => `${n.id}:${n.level}`)).toStrictEqual([`${noticeIds.connection}:INFO`]);
    expect(notification(noticeIds.connection)?.message).toMatch(/^Connected to the Xero organisation "Acme AU Pty Ltd"\. .* Xero calls left today: 4900\.$/);
    for (const column of serviceWrittenColumns) expect([column, isDisabled(column)]).toStrictEqual([column, true]);
    expect(isDisabled(col.mag_isdefault)).toBe(false);
  });

  it("shows a disconnected connector with its reason, and the grant warning only when connected", () => {
    const ports = buildConnectorForm({
      status: mag_xerostatus.Disconnected,
      statusReason: "The Xero user removed the app",
      grantExpiresOn: new Date(fixedNow.getTime() + 3 * 86_400_000),
    });
    handlersFor(ports).onLoad(eventContext());
    expect(notification(noticeIds.connection)?.level).toBe("ERROR");
    expect(notification(noticeIds.connection)?.message).toMatch(/The Xero user removed the app/);
    expect(notification(noticeIds.grant)).toBeUndefined();
  });

  it("warns about a grant that expires within 14 days, few calls left, a stale sync and the last error", () => {
    const ports = buildConnectorForm({
      grantExpiresOn: new Date(fixedNow.getTime() + 3 * 86_400_000),
      callsRemaining: 20,
      lastSynchedOn: new Date(fixedNow.getTime() - 3 * 3_600_000),
      lastError: "Xero answered 503",
    });
    handlersFor(ports).onLoad(eventContext());
    expect(formNotifications().map((n) => `${n.id}:${n.level}`)).toStrictEqual([
      `${noticeIds.connection}:INFO`,
      `${noticeIds.grant}:WARNING`,
      `${noticeIds.calls}:WARNING`,
      `${noticeIds.lastSync}:WARNING`,
      `${noticeIds.lastError}:WARNING`,
    ]);
  });

  it("refreshes the data-flow subgrid and leaves other subgrids alone", () => {
    const ports = buildConnectorForm({});
    const flows = XrmMockGenerator.Control.createGrid({ name: "mag_dataflows", entityName: mag_xerodataflow.logicalName });
    const other = XrmMockGenerator.Control.createGrid({ name: "notes", entityName: "annotation" });
    const flowsRefresh = jest.spyOn(flows, "refresh").mockImplementation(() => undefined);
    const otherRefresh = jest.spyOn(other, "refresh").mockImplementation(() => undefined);
    handlersFor(ports).onLoad(eventContext());
    expect(flowsRefresh).toHaveBeenCalledTimes(1);
    expect(otherRefresh).not.toHaveBeenCalled();
  });
});

describe("connector form: single default connector", () => {
  const otherDefault: Row = { mag_xeroconnectorid: otherId, mag_name: "Acme NZ" };

  function setUp(defaults: Row[], confirmed: boolean, saveFails = false) {
    const queries: string[] = [];
    const updates: [string, string, Row][] = [];
    const ports = buildConnectorForm({ isDefault: false }, {
      retrieveMultiple: (table, options) => {
        queries.push(`${table} ${options}`);
        return defaults;
      },
      update: (table, id, data) => void updates.push([table, id, data]),
    });
    const confirm = jest
      .spyOn(ports.navigation, "openConfirmDialog")
      .mockImplementation(() => Promise.resolve({ confirmed }) as unknown as Xrm.Async.PromiseLike<Xrm.Navigation.ConfirmResult>);
    const save = jest.spyOn(formContext().data, "save");
    if (saveFails) save.mockRejectedValue({ message: "Name is required." });
    else save.mockResolvedValue(undefined);
    formContext().getAttribute(col.mag_isdefault)?.setValue(true);
    return { ports, queries, updates, confirm, save };
  }

  it("makes this the default without asking when no other connector is", async () => {
    const { ports, confirm, updates, save } = setUp([], true);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(confirm).not.toHaveBeenCalled();
    expect(updates).toStrictEqual([]);
    expect(save).not.toHaveBeenCalled();
    expect(formContext().getAttribute(col.mag_isdefault)?.getValue()).toBe(true);
  });

  it("looks only for other active defaults", async () => {
    const { ports, queries } = setUp([], true);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(queries).toStrictEqual([
      "mag_xeroconnector ?$select=mag_xeroconnectorid,mag_name&$filter=mag_isdefault eq true and statecode eq 0 and " +
        "mag_xeroconnectorid ne 0a1b2c3d-0000-4000-8000-0000000000c2&$top=10",
    ]);
  });

  it("on confirm, clears the other default first and then saves this one", async () => {
    const { ports, confirm, updates, save } = setUp([otherDefault], true);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(confirm.mock.calls[0]?.[0].text).toMatch(/^"Acme NZ" is the default connector now\. Make "Acme AU" the default instead\?/);
    expect(updates).toStrictEqual([[mag_xeroconnector.logicalName, otherId, { mag_isdefault: false }]]);
    expect(save).toHaveBeenCalledTimes(1);
    expect(notification(noticeIds.isDefault)?.message).toBe('This is now the default connector (it was "Acme NZ").');
  });

  it("on cancel, sets it back to No and says which stays the default", async () => {
    const { ports, updates, save } = setUp([otherDefault], false);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(formContext().getAttribute(col.mag_isdefault)?.getValue()).toBe(false);
    expect(updates).toStrictEqual([]);
    expect(save).not.toHaveBeenCalled();
    expect(notification(noticeIds.isDefault)?.message).toBe('"Acme NZ" stays the default connector; Default Connector was set back to No.');
  });

  it("gives the other connector its flag back when this save fails", async () => {
    const { ports, updates } = setUp([otherDefault], true, true);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(updates).toStrictEqual([
      [mag_xeroconnector.logicalName, otherId, { mag_isdefault: false }],
      [mag_xeroconnector.logicalName, otherId, { mag_isdefault: true }],
    ]);
    expect(formContext().getAttribute(col.mag_isdefault)?.getValue()).toBe(false);
    expect(notification(noticeIds.isDefault)).toStrictEqual({
      id: noticeIds.isDefault,
      level: "ERROR",
      message: "The default connector was not changed: Name is required.",
    });
  });

  it("does nothing when set to No", async () => {
    const { ports, queries } = setUp([otherDefault], true);
    formContext().getAttribute(col.mag_isdefault)?.setValue(false);
    await handlersFor(ports).onIsDefaultChange(eventContext());
    expect(queries).toStrictEqual([]);
  });
});
