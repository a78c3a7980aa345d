// The Invoice Emails flow's note on the invoice: which text for which reason, and when it is written.
import { SyncError } from "../../src/core/errors";
import {
  emailNotePrefixes,
  isEmailNote,
  toBlockerNote,
  toNoteChange,
  toRefusalNote,
  type EmailBlocker,
} from "../../src/flows/invoice-email-notes";
import { toRefusalWords } from "../../src/flows/push-invoice-emails";

describe("toBlockerNote", () => {
  test.each<[EmailBlocker, RegExp]>([
    ["no-email", /^The invoice email waits: The Xero contact "Kauri Timber Ltd" has no email address .* Add one/],
    ["not-approved", /^The invoice email waits: the invoice is not approved in Xero yet.*nothing to do here\.$/],
    ["deleted", /^The invoice email waits: the invoice is deleted in Xero.*set Send Email From Xero to No\.$/],
    ["voided", /^The invoice email waits: the invoice is voided in Xero.*set Send Email From Xero to No\.$/],
    ["not-found", /^The invoice email waits: Xero has no invoice with this invoice's Xero Id.*check the Xero Id/],
    ["already-sent", /^Xero did not email this invoice: Xero already shows it as sent.*email it from Xero\.$/],
  ])("%s says why and what to do", (blocker, expected) => {
    const note = toBlockerNote(blocker, "Kauri Timber Ltd");
    expect(note).toMatch(expected);
    expect(isEmailNote(note)).toBe(true);
  });

  test("names no contact when Xero gave no name", () => {
    expect(toBlockerNote("no-email")).toMatch(/^The invoice email waits: The Xero contact has no email address/);
    expect(toBlockerNote("no-email", " ")).toMatch(/^The invoice email waits: The Xero contact has no email address/);
  });
});

describe("toRefusalNote and toRefusalWords", () => {
  test("Xero's validation messages in plain words, after the refusal's opening", () => {
    const error = new SyncError("xero answered 400 ValidationException: The contact does not have an email address.", {
      kind: "validation",
      details: {
        status: 400,
        type: "ValidationException",
        message: "A validation exception occurred",
        validationErrors: ["The contact does not have an email address."],
      },
    });
    expect(toRefusalNote(toRefusalWords(error))).toBe(
      "Xero did not email this invoice: The contact does not have an email address. Correct this in Xero; the " +
        "connector tries again the next day while Send Email From Xero is Yes.",
    );
  });

  test("Xero's detail, then its message, when there are no validation messages", () => {
    const detail = new SyncError("xero answered 400", {
      kind: "validation",
      details: { detail: "Invoice is locked." },
    });
    const message = new SyncError("xero answered 404", { kind: "validation", details: { message: "Not found" } });
    const bare = new SyncError("xero answered 400", { kind: "validation" });
    expect([detail, message, bare].map(toRefusalWords)).toStrictEqual([
      "Invoice is locked.",
      "Not found",
      "xero answered 400",
    ]);
  });

  test("fits the 4,000 characters of Xero Sync Error", () => {
    const note = toRefusalNote("x".repeat(5000));
    expect(note).toHaveLength(4000);
    expect(note.startsWith(emailNotePrefixes.refused)).toBe(true);
  });
});

describe("isEmailNote", () => {
  test.each([
    ["a refusal", `${emailNotePrefixes.refused}No.`, true],
    ["a wait", `${emailNotePrefixes.waiting}later.`, true],
    ["the push's sync error", "Xero did not accept this invoice: Account code '999' is not valid.", false],
    ["a user's text", "Call the customer first", false],
    ["empty", "", false],
    ["none", null, false],
  ])("%s", (_name, text, expected) => {
    expect(isEmailNote(text)).toBe(expected);
  });
});

describe("toNoteChange", () => {
  const wait = toBlockerNote("not-approved");
  const noEmail = toBlockerNote("no-email");
  test.each([
    ["a first note is written", null, wait, { kind: "write", text: wait }],
    ["an empty field counts as none", "", wait, { kind: "write", text: wait }],
    ["the same note again writes nothing (idle run)", wait, wait, { kind: "keep" }],
    ["a new reason replaces the old note", wait, noEmail, { kind: "write", text: noEmail }],
    ["the flow's own note is cleared", wait, null, { kind: "write", text: null }],
    ["nothing to clear writes nothing", null, null, { kind: "keep" }],
    ["another flow's error is never overwritten", "Contact is archived.", wait, { kind: "keep" }],
    ["another flow's error is never cleared", "Contact is archived.", null, { kind: "keep" }],
  ])("%s", (_name, current, note, expected) => {
    expect(toNoteChange(current, note)).toStrictEqual(expected);
  });
});
