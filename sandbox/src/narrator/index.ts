// Turns what happens in the sandbox into lines a newcomer can follow during `npm start`: which functions ran and
// how they ended, what each data flow reported on its Dataverse row, and where to look.
import type { HostLogEntry } from "../functions-host";

export type Write = (line: string) => void;

const executing = /^Executing 'Functions\.([^']+)' \(Reason='([^']*)'/;
const executed = /^Executed 'Functions\.([^']+)' \((Succeeded|Failed), Id=[^,]+, Duration=(\d+)ms\)\s*(.*)$/;

/** One host log entry as a narration line, or null when it is noise (start lines of quick invocations). */
export function toNarrationLine(entry: HostLogEntry): string | null {
  if (entry.category === "function") {
    const mark = entry.level === "error" || entry.level === "critical" ? "✗" : entry.level === "warning" ? "!" : "·";
    return `    ${mark} ${entry.functionName ?? "?"}: ${entry.message}`;
  }
  if (executing.test(entry.message)) return null;
  const done = executed.exec(entry.message);
  if (done !== null) {
    const [, name, outcome, duration, error] = done;
    return outcome === "Succeeded"
      ? `  ✓ ${name} (${duration} ms)`
      : `  ✗ ${name} failed after ${duration} ms: ${error}`;
  }
  if (entry.level === "warning" || entry.level === "error" || entry.level === "critical") return `  ! ${entry.message}`;
  return `  ${entry.message}`;
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export interface Narrator {
  /** Pass as the Functions host's logger. */
  hostLogger: (entry: HostLogEntry) => void;
  say(text: string): void;
  section(title: string): void;
}

export function createNarrator(write: Write, now: () => number = Date.now): Narrator {
  return {
    hostLogger: (entry) => {
      const line = toNarrationLine(entry);
      if (line !== null) write(`${timestamp(now())}${line}`);
    },
    say: (text) => write(`${timestamp(now())}  ${text}`),
    section: (title) => write(`\n── ${title} ${"─".repeat(Math.max(0, 72 - title.length))}`),
  };
}

/** A data flow row as the narrator reads it from Dataverse (`mag_xerodataflow`). */
export interface DataFlowRow {
  mag_xerodataflowid: string;
  mag_name: string | null;
  mag_lastrunon: string | null;
  mag_lastresult: number | null;
  mag_recordssynced: number | null;
  mag_recordsfailed: number | null;
  mag_lastrunmessage: string | null;
}

/** mag_lastresult (ARCHITECTURE.md): Succeeded, PartiallySucceeded, Failed, NothingToDo. */
const lastResultLabels: Readonly<Record<number, string>> = {
  582100000: "succeeded",
  582100001: "partly succeeded",
  582100002: "failed",
  582100003: "nothing to do",
};

/** Lines for the flows whose last run changed since the previous reading. */
export function describeDataFlowRuns(
  previous: ReadonlyMap<string, string | null>,
  rows: readonly DataFlowRow[],
): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.mag_lastrunon === null || previous.get(row.mag_xerodataflowid) === row.mag_lastrunon) continue;
    const result =
      row.mag_lastresult === null ? "ran" : (lastResultLabels[row.mag_lastresult] ?? `result ${row.mag_lastresult}`);
    const counts = `${row.mag_recordssynced ?? 0} synced, ${row.mag_recordsfailed ?? 0} failed`;
    const message =
      row.mag_lastrunmessage === null || row.mag_lastrunmessage === "" ? "" : ` — ${row.mag_lastrunmessage}`;
    lines.push(`data flow "${row.mag_name ?? row.mag_xerodataflowid}" ${result}: ${counts}${message}`);
  }
  return lines;
}

/**
 * Polls the demo org's data flow rows and narrates each new run. Reads through the Web API like any client.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api
 */
export function watchDataFlows(options: {
  webApiUrl: string;
  accessToken: () => string;
  onLines: (lines: string[]) => void;
  intervalMs?: number;
}): { stop(): void } {
  const seen = new Map<string, string | null>();
  const select = [
    "mag_xerodataflowid",
    "mag_name",
    "mag_lastrunon",
    "mag_lastresult",
    "mag_recordssynced",
    "mag_recordsfailed",
    "mag_lastrunmessage",
  ];
  const url = `${options.webApiUrl.replace(/\/?$/, "/")}mag_xerodataflows?$select=${select.join(",")}`;
  let stopped = false;
  const poll = async (): Promise<void> => {
    const answer = await fetch(url, {
      headers: { authorization: `Bearer ${options.accessToken()}`, accept: "application/json" },
    });
    if (!answer.ok) return;
    const rows = ((await answer.json()) as { value?: DataFlowRow[] }).value ?? [];
    const lines = describeDataFlowRuns(seen, rows);
    for (const row of rows) seen.set(row.mag_xerodataflowid, row.mag_lastrunon);
    if (lines.length > 0 && !stopped) options.onLines(lines);
  };
  const timer = setInterval(() => void poll().catch(() => undefined), options.intervalMs ?? 2_000);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
