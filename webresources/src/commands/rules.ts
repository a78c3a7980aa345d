// Command rules as pure functions: when Retry Xero sync applies, what a bulk retry does, how Sync now answers.
import { mag_xerostatus, mag_xerosyncstatus } from "../generated/dataverse";

/**
 * A pending invoice is "stuck" after two timed cycles (the invoice flow runs every 15 minutes; with the real-time
 * add-on it takes seconds). Before that a retry would only repeat what the service is about to do.
 */
export const pendingTooLongMinutes = 30;

export interface RetryFacts {
  addToXero: boolean | null;
  syncStatus: number | null;
  /** When the invoice last changed: a pending invoice has waited at least since then. */
  modifiedOn: Date | null;
}

export type RetryVerdict =
  | { retry: true }
  | { retry: false; reason: "not-added" | "synced" | "waiting" | "not-started" };

/** Whether *Retry Xero sync* applies: Add to Xero = Yes and the sync failed, or it has waited too long. */
export function judgeRetry(facts: RetryFacts, now: Date): RetryVerdict {
  if (facts.addToXero !== true) return { retry: false, reason: "not-added" };
  switch (facts.syncStatus) {
    case mag_xerosyncstatus.Failed:
      return { retry: true };
    case mag_xerosyncstatus.Synced:
      return { retry: false, reason: "synced" };
    case mag_xerosyncstatus.Pending:
    case mag_xerosyncstatus.Retrying:
    case null: {
      if (facts.modifiedOn === null) return { retry: false, reason: facts.syncStatus === null ? "not-started" : "waiting" };
      const waitedMinutes = (now.getTime() - facts.modifiedOn.getTime()) / 60_000;
      return waitedMinutes >= pendingTooLongMinutes ? { retry: true } : { retry: false, reason: "waiting" };
    }
    default:
      return { retry: false, reason: "waiting" };
  }
}

export interface SelectedInvoice extends RetryFacts {
  id: string;
  name: string;
}

export interface RetryPlan {
  retry: SelectedInvoice[];
  skipped: { invoice: SelectedInvoice; reason: Exclude<RetryVerdict, { retry: true }>["reason"] }[];
  /** Selected ids that could not be read (deleted since, or no access). */
  missing: string[];
}

/** Splits a grid selection into invoices to set back to pending and invoices left alone, with why. */
export function planRetries(selectedIds: readonly string[], rows: readonly SelectedInvoice[], now: Date): RetryPlan {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const plan: RetryPlan = { retry: [], skipped: [], missing: [] };
  for (const id of selectedIds) {
    const invoice = byId.get(id);
    if (invoice === undefined) {
      plan.missing.push(id);
      continue;
    }
    const verdict = judgeRetry(invoice, now);
    if (verdict.retry) plan.retry.push(invoice);
    else plan.skipped.push({ invoice, reason: verdict.reason });
  }
  return plan;
}

const skipReasonText: Record<RetryPlan["skipped"][number]["reason"], string> = {
  "not-added": "Add to Xero is No",
  synced: "already in Xero",
  waiting: `still within the normal wait (under ${String(pendingTooLongMinutes)} minutes)`,
  "not-started": "not yet picked up",
};

export interface RetryOutcome {
  queued: number;
  failed: { name: string; error: string }[];
}

/** The alert shown after a bulk retry: what was queued, what was left alone and why, what could not be updated. */
export function toRetrySummary(plan: RetryPlan, outcome: RetryOutcome): { title: string; text: string } {
  const lines: string[] = [];
  lines.push(
    outcome.queued === 0
      ? "No invoice was queued for another Xero sync."
      : `${countOf(outcome.queued, "invoice")} queued for another Xero sync. The connector takes them on its next run.`,
  );
  const groups = new Map<string, string[]>();
  for (const { invoice, reason } of plan.skipped) {
    const text = skipReasonText[reason];
    groups.set(text, [...(groups.get(text) ?? []), invoice.name]);
  }
  for (const [reason, names] of groups) {
    lines.push(`Left alone, ${reason}: ${names.join(", ")}.`);
  }
  if (plan.missing.length > 0) lines.push(`${countOf(plan.missing.length, "selected invoice")} could not be read.`);
  for (const failure of outcome.failed) lines.push(`Not updated, ${failure.name}: ${failure.error}`);
  return { title: "Retry Xero sync", text: lines.join("\n") };
}

export interface SyncNowFacts {
  isSaved: boolean;
  enabled: boolean | null;
  status: number | null;
}

/** Whether *Sync now* can do anything: a saved, enabled, connected connector. */
export function evaluateSyncNow(facts: SyncNowFacts): { allowed: true } | { allowed: false; message: string } {
  if (!facts.isSaved) return { allowed: false, message: "Save the connector first." };
  if (facts.enabled === false) {
    return { allowed: false, message: "This connector is disabled. Set Enabled to Yes and save, then use Sync now." };
  }
  if (facts.status !== mag_xerostatus.Connected) {
    return {
      allowed: false,
      message: "This connector is not connected to Xero, so a sync cannot run. Ask support for a reauthorisation link.",
    };
  }
  return { allowed: true };
}

function countOf(count: number, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? "" : "s"}`;
}
