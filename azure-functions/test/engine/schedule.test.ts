import {
  isDue,
  toRunScope,
  toScheduledScope,
  type ConnectorState,
  type DataFlowState,
} from "../../src/engine/schedule";

const now = Date.UTC(2026, 2, 2, 12, 0, 0);
const minutes = (count: number) => count * 60_000;
const connector: ConnectorState = { connectorId: "c1", enabled: true, isDefault: true, connected: true };
const flow = (overrides: Partial<DataFlowState> = {}): DataFlowState => ({
  dataFlowId: "f1",
  flow: "InvoicesToXero",
  enabled: true,
  intervalMinutes: 15,
  windowDays: 7,
  ...overrides,
});

describe("isDue", () => {
  test.each([
    ["never ran", flow(), connector, undefined, true],
    ["interval not elapsed", flow({ lastRunOn: new Date(now - minutes(14)) }), connector, undefined, false],
    ["interval elapsed", flow({ lastRunOn: new Date(now - minutes(15)) }), connector, undefined, true],
    ["flow disabled", flow({ enabled: false }), connector, undefined, false],
    ["connector disabled", flow(), { ...connector, enabled: false }, undefined, false],
    ["connector disconnected", flow(), { ...connector, connected: false }, undefined, false],
    [
      "Sync now after the last run",
      flow({ lastRunOn: new Date(now - minutes(1)) }),
      { ...connector, syncRequestedOn: new Date(now - minutes(0.5)) },
      undefined,
      true,
    ],
    [
      "Sync now before the last run",
      flow({ lastRunOn: new Date(now - minutes(1)) }),
      { ...connector, syncRequestedOn: new Date(now - minutes(2)) },
      undefined,
      false,
    ],
    [
      "reference data every 5 minutes is held to hourly",
      flow({ flow: "ReferenceData", intervalMinutes: 5, lastRunOn: new Date(now - minutes(30)) }),
      connector,
      undefined,
      false,
    ],
    [
      "reference data after an hour",
      flow({ flow: "ReferenceData", intervalMinutes: 5, lastRunOn: new Date(now - minutes(60)) }),
      connector,
      undefined,
      true,
    ],
    [
      "already queued and not yet run",
      flow({ lastRunOn: new Date(now - minutes(60)) }),
      connector,
      new Date(now - minutes(1)),
      false,
    ],
    [
      "queued so long ago the run must have died",
      flow({ lastRunOn: new Date(now - minutes(60)) }),
      connector,
      new Date(now - minutes(31)),
      true,
    ],
  ])("%s", (_name, dataFlow, state, enqueuedAt, expected) => {
    expect(isDue(dataFlow, state, now, enqueuedAt)).toBe(expected);
  });
});

test("a run's scope: the window counts back from now, the data-flow row and last run carried along", () => {
  const scheduled = toScheduledScope(flow({ windowDays: 3, lastRunOn: new Date(now - minutes(20)) }), connector, now);
  expect(toRunScope("conn", "InvoicesToXero", scheduled, now, "corr", ["r1"])).toStrictEqual({
    connectionId: "conn",
    connectorId: "c1",
    isDefaultConnector: true,
    flow: "InvoicesToXero",
    modifiedSince: new Date(now - 3 * 86_400_000),
    correlationId: "corr",
    dataFlowId: "f1",
    lastRunOn: new Date(now - minutes(20)),
    recordIds: ["r1"],
  });
});
