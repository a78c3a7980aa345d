// What a flow run reports: the result written to its data-flow row, and follow-up flows it asks for (e.g. a
// reference-data refresh after Xero rejected a code).
import type { Clock } from "../core/clock";
import type { FlowName, RunResult } from "./ports";

export interface FlowReport {
  result: RunResult;
  followUps: FlowName[];
}

export function summariseRun(flow: FlowName, synced: number, failed: number, clock: Clock): RunResult {
  const result =
    synced === 0 && failed === 0
      ? "NothingToDo"
      : failed === 0
        ? "Succeeded"
        : synced === 0
          ? "Failed"
          : "PartiallySucceeded";
  const message = result === "NothingToDo" ? "Nothing to sync." : `${synced} synced, ${failed} failed.`;
  return { flow, result, synced, failed, message, ranOn: new Date(clock.now()) };
}
