// Turns what happens in the sandbox into lines a newcomer can follow during `npm start`: which functions ran and
// how they ended, what each data flow reported on its Dataverse row, and where to look.
import type { HostLogEntry } from "../functions-host";

export type Write = (line: string) => void;

const executing = /^Executing 'Functions\.([^']+)' \(Reason='([^']*)'/;
const executed = /^Executed 'Functions\.([^']+)' \((Succeeded|Failed), Id=[^,]+, Duration=(\d+)ms\)\s*(.*)$/;

/**
 * What a function logged, readable: the service logs structured JSON (`{ level, message, data, … }`), shown as
 * "message — key value, key value"; anything else as written.
 */
export function toFunctionLogText(message: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message) as unknown;
  } catch {
    return message;
  }
  if (typeof parsed !== "object" || parsed === null || typeof (parsed as { message?: unknown }).message !== "string")
    return message;
  const { message: text, data } = parsed as { message: string; data?: unknown };
  if (typeof data !== "object" || data === null || Object.keys(data).length === 0) return text;
  const details = Object.entries(data).map(
    ([key, value]) => `${key} ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
  return `${text} — ${details.join(", ")}`;
}

/** The lines for one finished invocation: outcome first, then what the function logged, indented. */
export function toInvocationLines(
  outcome: { name: string; succeeded: boolean; durationMs: number; error: string },
  logged: readonly string[],
): string[] {
  const head = outcome.succeeded
    ? `✓ ${outcome.name} (${outcome.durationMs} ms)`
    : `✗ ${outcome.name} failed after ${outcome.durationMs} ms: ${outcome.error}`;
  return [head, ...logged.map((line) => `    ${line}`)];
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

/**
 * A narrator writing to `write`. Each invocation is told once it finished, with what it logged; a successful run
 * that logged exactly what the previous run of the same function logged is not repeated (a timer that finds
 * nothing to do every few seconds would drown everything else).
 */
export function createNarrator(write: Write, now: () => number = Date.now): Narrator {
  const logged = new Map<string, string[]>();
  const previous = new Map<string, string>();
  const say = (text: string): void => write(`${timestamp(now())}  ${text}`);
  return {
    hostLogger: (entry) => {
      if (entry.category === "function") {
        const text = toFunctionLogText(entry.message);
        const mark =
          entry.level === "error" || entry.level === "critical" ? "✗ " : entry.level === "warning" ? "! " : "";
        const key = entry.invocationId ?? "";
        logged.set(key, [...(logged.get(key) ?? []), `${mark}${text}`]);
        return;
      }
      if (executing.test(entry.message)) return;
      const done = executed.exec(entry.message);
      if (done === null) {
        say(
          entry.level === "warning" || entry.level === "error" || entry.level === "critical"
            ? `! ${entry.message}`
            : entry.message,
        );
        return;
      }
      const [, name = "?", outcome, duration, error = ""] = done;
      const lines = logged.get(entry.invocationId ?? "") ?? [];
      logged.delete(entry.invocationId ?? "");
      const signature = `${outcome}\n${lines.join("\n")}`;
      const repeat = outcome === "Succeeded" && previous.get(name) === signature;
      previous.set(name, signature);
      if (repeat) return;
      for (const line of toInvocationLines(
        { name, succeeded: outcome === "Succeeded", durationMs: Number(duration), error },
        lines,
      ))
        say(line);
    },
    say,
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
    // The message often restates the counts; say it only when it adds something.
    const text = row.mag_lastrunmessage ?? "";
    const message = text === "" || text.replace(/\.$/, "") === counts ? "" : ` — ${text}`;
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
