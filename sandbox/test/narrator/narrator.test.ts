import { createNarrator, describeDataFlowRuns, toNarrationLine, type DataFlowRow } from "../../src/narrator";

describe("narration of host logs", () => {
  it("hides the start line, reports success and failure, and indents what functions log", () => {
    expect(
      toNarrationLine({
        level: "information",
        category: "host",
        message: "Executing 'Functions.pushInvoices' (Reason='Timer fired', Id=1)",
      }),
    ).toBeNull();
    expect(
      toNarrationLine({
        level: "information",
        category: "host",
        message: "Executed 'Functions.pushInvoices' (Succeeded, Id=1, Duration=42ms)",
      }),
    ).toBe("  ✓ pushInvoices (42 ms)");
    expect(
      toNarrationLine({
        level: "error",
        category: "host",
        message: "Executed 'Functions.pushInvoices' (Failed, Id=1, Duration=7ms) Error: boom",
      }),
    ).toBe("  ✗ pushInvoices failed after 7 ms: Error: boom");
    expect(toNarrationLine({ level: "warning", category: "function", functionName: "pull", message: "slow" })).toBe(
      "    ! pull: slow",
    );
  });

  it("stamps each line with the time", () => {
    const lines: string[] = [];
    const narrator = createNarrator(
      (line) => lines.push(line),
      () => Date.UTC(2026, 0, 1, 9, 30, 5),
    );
    narrator.say("hello");
    expect(lines).toStrictEqual(["09:30:05  hello"]);
  });
});

describe("narration of data flow runs", () => {
  const row = (overrides: Partial<DataFlowRow>): DataFlowRow => ({
    mag_xerodataflowid: "f1",
    mag_name: "Invoices to Xero",
    mag_lastrunon: "2026-01-01T00:00:00Z",
    mag_lastresult: 582100000,
    mag_recordssynced: 3,
    mag_recordsfailed: 0,
    mag_lastrunmessage: null,
    ...overrides,
  });

  it("describes new runs only", () => {
    expect(describeDataFlowRuns(new Map(), [row({})])).toStrictEqual([
      'data flow "Invoices to Xero" succeeded: 3 synced, 0 failed',
    ]);
    expect(describeDataFlowRuns(new Map([["f1", "2026-01-01T00:00:00Z"]]), [row({})])).toStrictEqual([]);
    expect(describeDataFlowRuns(new Map(), [row({ mag_lastrunon: null })])).toStrictEqual([]);
    expect(
      describeDataFlowRuns(new Map(), [
        row({ mag_lastresult: 582100001, mag_recordsfailed: 1, mag_lastrunmessage: "1 invoice had no contact" }),
      ]),
    ).toStrictEqual(['data flow "Invoices to Xero" partly succeeded: 3 synced, 1 failed — 1 invoice had no contact']);
  });
});
