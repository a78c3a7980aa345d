import type { HostLogEntry } from "../../src/functions-host";
import { createNarrator, describeDataFlowRuns, toFunctionLogText, type DataFlowRow } from "../../src/narrator";

describe("narration of host logs", () => {
  const at = () => Date.UTC(2026, 0, 1, 9, 30, 5);
  const run = (id: string, name: string, logs: string[], outcome = "Succeeded", tail = ""): HostLogEntry[] => [
    {
      level: "information",
      category: "host",
      invocationId: id,
      functionName: name,
      message: `Executing 'Functions.${name}' (Reason='Timer fired', Id=${id})`,
    },
    ...logs.map((message): HostLogEntry => ({
      level: "information",
      category: "function",
      invocationId: id,
      functionName: name,
      message,
    })),
    {
      level: outcome === "Succeeded" ? "information" : "error",
      category: "host",
      invocationId: id,
      functionName: name,
      message: `Executed 'Functions.${name}' (${outcome}, Id=${id}, Duration=42ms)${tail}`,
    },
  ];

  it("tells each invocation once it ended, with the structured logs made readable", () => {
    const lines: string[] = [];
    const narrator = createNarrator((line) => lines.push(line), at);
    const structured = JSON.stringify({
      level: "info",
      message: "sync work scheduled",
      data: { connections: 1, enqueued: 2 },
      context: { invocationId: "1" },
    });
    for (const entry of run("1", "syncScheduler", [structured, "plain words"])) narrator.hostLogger(entry);
    expect(lines).toStrictEqual([
      "09:30:05  ✓ syncScheduler (42 ms)",
      "09:30:05      sync work scheduled — connections 1, enqueued 2",
      "09:30:05      plain words",
    ]);
  });

  it("does not repeat a quiet run identical to the previous one, but always tells failures", () => {
    const lines: string[] = [];
    const narrator = createNarrator((line) => lines.push(line), at);
    for (const entry of [...run("1", "tick", ["nothing to do"]), ...run("2", "tick", ["nothing to do"])])
      narrator.hostLogger(entry);
    expect(lines).toHaveLength(2);
    for (const entry of run("3", "tick", ["found 2"])) narrator.hostLogger(entry);
    expect(lines).toHaveLength(4);
    for (const entry of [
      ...run("4", "tick", [], "Failed", " Error: boom"),
      ...run("5", "tick", [], "Failed", " Error: boom"),
    ])
      narrator.hostLogger(entry);
    expect(lines.slice(4)).toStrictEqual([
      "09:30:05  ✗ tick failed after 42 ms: Error: boom",
      "09:30:05  ✗ tick failed after 42 ms: Error: boom",
    ]);
  });

  it("formats structured and plain function logs", () => {
    expect(toFunctionLogText(JSON.stringify({ message: "pushed", data: { invoice: "INV-1", ok: true } }))).toBe(
      "pushed — invoice INV-1, ok true",
    );
    expect(toFunctionLogText(JSON.stringify({ message: "quiet" }))).toBe("quiet");
    expect(toFunctionLogText("[1,2]")).toBe("[1,2]");
    expect(toFunctionLogText("not json")).toBe("not json");
  });

  it("stamps each line with the time", () => {
    const lines: string[] = [];
    createNarrator((line) => lines.push(line), at).say("hello");
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
    expect(describeDataFlowRuns(new Map(), [row({ mag_lastrunmessage: "3 synced, 0 failed." })])).toStrictEqual([
      'data flow "Invoices to Xero" succeeded: 3 synced, 0 failed',
    ]);
    expect(
      describeDataFlowRuns(new Map(), [
        row({ mag_lastresult: 582100001, mag_recordsfailed: 1, mag_lastrunmessage: "1 invoice had no contact" }),
      ]),
    ).toStrictEqual(['data flow "Invoices to Xero" partly succeeded: 3 synced, 1 failed — 1 invoice had no contact']);
  });
});
