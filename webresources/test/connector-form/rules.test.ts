import { mag_xerostatus } from "../../src/generated/dataverse";
import type { ConnectorState } from "../../src/connector-form/rules";
import { decideDefaultChange, noticeIds, toConnectorBanner } from "../../src/connector-form/rules";
import { fixedNow, formatIso } from "../support/xrm";

const minutesAgo = (minutes: number) => new Date(fixedNow.getTime() - minutes * 60_000);
const daysAhead = (days: number) => new Date(fixedNow.getTime() + days * 24 * 60 * 60_000);

const healthy: ConnectorState = {
  enabled: true,
  organisationName: "Acme NZ",
  status: mag_xerostatus.Connected,
  statusReason: null,
  grantExpiresOn: daysAhead(50),
  callsRemainingToday: 4800,
  lastSynchedOn: minutesAgo(5),
  lastError: null,
};

const banner = (state: Partial<ConnectorState>) => toConnectorBanner({ ...healthy, ...state }, fixedNow, formatIso);
const ids = (state: Partial<ConnectorState>) => banner(state).map((notice) => `${notice.id}:${notice.level}`);

describe("toConnectorBanner", () => {
  it("shows one information line for a healthy connector: organisation, last synched on, calls left", () => {
    expect(banner({})).toStrictEqual([
      {
        id: noticeIds.connection,
        level: "INFO",
        message: 'Connected to the Xero organisation "Acme NZ". Last synched on: 2026-11-22T09:55:00.000Z. Xero calls left today: 4800.',
      },
    ]);
  });

  it("shows a disconnected connector as an error with the reason", () => {
    const [notice] = banner({ status: mag_xerostatus.Disconnected, statusReason: "The Xero user revoked access" });
    expect(notice?.level).toBe("ERROR");
    expect(notice?.message).toMatch(/^Disconnected from the Xero organisation "Acme NZ": The Xero user revoked access\. /);
  });

  it("shows a disconnected connector without a reason", () => {
    expect(banner({ status: mag_xerostatus.Disconnected })[0]?.message).toMatch(/no reason was given/);
  });

  it("shows a connector never connected as a warning", () => {
    expect(ids({ status: mag_xerostatus.NotConnected, grantExpiresOn: null })).toStrictEqual([`${noticeIds.connection}:WARNING`]);
  });

  it("warns when the grant expires within 14 days, not before", () => {
    expect(ids({ grantExpiresOn: daysAhead(14.5) })).toStrictEqual([`${noticeIds.connection}:INFO`]);
    const notices = banner({ grantExpiresOn: daysAhead(13.5) });
    expect(notices.map((notice) => notice.id)).toContain(noticeIds.grant);
    expect(notices.find((notice) => notice.id === noticeIds.grant)?.message).toMatch(/expires on .* \(in 13 days\)/);
  });

  it("says today for a grant ending today, and errors once it has expired", () => {
    expect(banner({ grantExpiresOn: daysAhead(0.5) }).find((n) => n.id === noticeIds.grant)?.message).toMatch(/\(today\)/);
    expect(ids({ grantExpiresOn: daysAhead(-1) })).toContain(`${noticeIds.grant}:ERROR`);
  });

  it("warns when few Xero calls are left today", () => {
    expect(ids({ callsRemainingToday: 150 })).toContain(`${noticeIds.calls}:WARNING`);
    expect(ids({ callsRemainingToday: 200 })).not.toContain(`${noticeIds.calls}:WARNING`);
    expect(banner({ callsRemainingToday: 1 }).find((n) => n.id === noticeIds.calls)?.message).toMatch(/^Only 1 Xero call left today/);
  });

  it("warns when the last sync is older than two cycles", () => {
    expect(ids({ lastSynchedOn: minutesAgo(31) })).toContain(`${noticeIds.lastSync}:WARNING`);
    expect(ids({ lastSynchedOn: minutesAgo(29) })).not.toContain(`${noticeIds.lastSync}:WARNING`);
  });

  it("does not call a disabled connector stale, but says it is disabled", () => {
    expect(ids({ enabled: false, lastSynchedOn: minutesAgo(600) })).toStrictEqual([
      `${noticeIds.enabled}:WARNING`,
      `${noticeIds.connection}:INFO`,
    ]);
  });

  it("shows the last error: a warning while connected, an error otherwise", () => {
    expect(banner({ lastError: "Xero answered 500" }).find((n) => n.id === noticeIds.lastError)).toStrictEqual({
      id: noticeIds.lastError,
      level: "WARNING",
      message: "Last error: Xero answered 500",
    });
    expect(ids({ status: mag_xerostatus.Disconnected, lastError: "invalid_grant" })).toContain(`${noticeIds.lastError}:ERROR`);
  });

  it("says never for a connector that has not synched", () => {
    expect(banner({ lastSynchedOn: null })[0]?.message).toMatch(/Last synched on: never\./);
  });
});

describe("decideDefaultChange", () => {
  it("does nothing when set to No or when no other connector is the default", () => {
    expect(decideDefaultChange(false, "Acme AU", [{ id: "1", name: "Acme NZ" }])).toStrictEqual({ action: "none" });
    expect(decideDefaultChange(true, "Acme AU", [])).toStrictEqual({ action: "none" });
  });

  it("asks to move the default, naming the connector that loses it", () => {
    const change = decideDefaultChange(true, "Acme AU", [{ id: "1", name: "Acme NZ" }]);
    expect(change.action).toBe("confirm-switch");
    if (change.action !== "confirm-switch") return;
    expect(change.text).toBe(
      '"Acme NZ" is the default connector now. Make "Acme AU" the default instead? Invoices that name no connector ' +
        'will then sync to "Acme AU". The change is saved at once.',
    );
    expect(change.keptNotice.message).toBe('"Acme NZ" stays the default connector; Default Connector was set back to No.');
  });

  it("names an unnamed connector as this connector", () => {
    const change = decideDefaultChange(true, " ", [{ id: "1", name: "Acme NZ" }, { id: "2", name: "Acme UK" }]);
    expect(change.action === "confirm-switch" && change.text).toMatch(/^"Acme NZ", "Acme UK" are the default connector now\. Make this connector/);
  });
});
