import { mag_xerostatus, mag_xerosyncstatus } from "../../src/generated/dataverse";
import type { SelectedInvoice } from "../../src/commands/rules";
import { evaluateSyncNow, judgeRetry, pendingTooLongMinutes, planRetries, toRetrySummary } from "../../src/commands/rules";
import { fixedNow } from "../support/xrm";

const minutesAgo = (minutes: number) => new Date(fixedNow.getTime() - minutes * 60_000);

describe("judgeRetry", () => {
  const failed = { addToXero: true, syncStatus: mag_xerosyncstatus.Failed, modifiedOn: minutesAgo(1) };

  it("retries a failed invoice marked Add to Xero at once", () => {
    expect(judgeRetry(failed, fixedNow)).toStrictEqual({ retry: true });
  });

  it("never retries an invoice not marked Add to Xero", () => {
    expect(judgeRetry({ ...failed, addToXero: false }, fixedNow)).toStrictEqual({ retry: false, reason: "not-added" });
    expect(judgeRetry({ ...failed, addToXero: null }, fixedNow)).toStrictEqual({ retry: false, reason: "not-added" });
  });

  it("never retries a synced invoice", () => {
    expect(judgeRetry({ ...failed, syncStatus: mag_xerosyncstatus.Synced }, fixedNow)).toStrictEqual({
      retry: false,
      reason: "synced",
    });
  });

  it.each([mag_xerosyncstatus.Pending, mag_xerosyncstatus.Retrying, null])(
    "retries status %p only once it has waited too long",
    (syncStatus) => {
      expect(judgeRetry({ ...failed, syncStatus, modifiedOn: minutesAgo(pendingTooLongMinutes - 1) }, fixedNow)).toStrictEqual({
        retry: false,
        reason: "waiting",
      });
      expect(judgeRetry({ ...failed, syncStatus, modifiedOn: minutesAgo(pendingTooLongMinutes) }, fixedNow)).toStrictEqual({
        retry: true,
      });
    },
  );

  it("does not retry a pending invoice when it cannot tell how long it has waited", () => {
    expect(judgeRetry({ ...failed, syncStatus: mag_xerosyncstatus.Pending, modifiedOn: null }, fixedNow).retry).toBe(false);
  });
});

describe("planRetries and toRetrySummary", () => {
  const invoice = (id: string, name: string, syncStatus: number | null, addToXero = true, waited = 60): SelectedInvoice => ({
    id,
    name,
    addToXero,
    syncStatus,
    modifiedOn: minutesAgo(waited),
  });
  const rows = [
    invoice("a", "INV-001", mag_xerosyncstatus.Failed),
    invoice("b", "INV-002", mag_xerosyncstatus.Synced),
    invoice("c", "INV-003", mag_xerosyncstatus.Failed, false),
    invoice("d", "INV-004", mag_xerosyncstatus.Pending, true, 5),
    invoice("e", "INV-005", mag_xerosyncstatus.Pending, true, 45),
    invoice("f", "INV-006", mag_xerosyncstatus.Synced),
  ];

  it("retries failed and stuck invoices, skips the rest with a reason, and reports unreadable ids", () => {
    const plan = planRetries(["a", "b", "c", "d", "e", "f", "gone"], rows, fixedNow);
    expect(plan.retry.map((row) => row.id)).toStrictEqual(["a", "e"]);
    expect(plan.skipped.map(({ invoice: row, reason }) => `${row.id}:${reason}`)).toStrictEqual([
      "b:synced",
      "c:not-added",
      "d:waiting",
      "f:synced",
    ]);
    expect(plan.missing).toStrictEqual(["gone"]);
  });

  it("summarises what was queued, left alone (grouped by reason) and not updated", () => {
    const plan = planRetries(["a", "b", "c", "d", "e", "f", "gone"], rows, fixedNow);
    const summary = toRetrySummary(plan, { queued: 1, failed: [{ name: "INV-005", error: "Access denied" }] });
    expect(summary).toStrictEqual({
      title: "Retry Xero sync",
      text: [
        "1 invoice queued for another Xero sync. The connector takes them on its next run.",
        "Left alone, already in Xero: INV-002, INV-006.",
        "Left alone, Add to Xero is No: INV-003.",
        "Left alone, still within the normal wait (under 30 minutes): INV-004.",
        "1 selected invoice could not be read.",
        "Not updated, INV-005: Access denied",
      ].join("\n"),
    });
  });

  it("says so when nothing was queued", () => {
    const plan = planRetries(["b"], rows, fixedNow);
    expect(toRetrySummary(plan, { queued: 0, failed: [] }).text).toBe(
      "No invoice was queued for another Xero sync.\nLeft alone, already in Xero: INV-002.",
    );
  });
});

describe("evaluateSyncNow", () => {
  const ready = { isSaved: true, enabled: true, status: mag_xerostatus.Connected };

  it("allows a saved, enabled, connected connector", () => {
    expect(evaluateSyncNow(ready)).toStrictEqual({ allowed: true });
  });

  it.each([
    [{ ...ready, isSaved: false }, /Save the connector first/],
    [{ ...ready, enabled: false }, /disabled/],
    [{ ...ready, status: mag_xerostatus.Disconnected }, /not connected to Xero/],
    [{ ...ready, status: null }, /not connected to Xero/],
  ])("refuses %p", (facts, message) => {
    const verdict = evaluateSyncNow(facts);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.message).toMatch(message);
  });
});
