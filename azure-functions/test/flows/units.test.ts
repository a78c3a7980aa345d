// The flows' pure helpers: plain words for Xero's messages, contact matching, email eligibility.
import { toEmailBlocker } from "../../src/flows/push-invoice-emails";
import { matchContacts } from "../../src/flows/sync-customers";
import { mentionsReferenceData, toPlainWords } from "../../src/flows/xero-messages";
import { Customer } from "../../src/model";

describe("toPlainWords", () => {
  const lines = [
    { Description: "Widget", ItemCode: "W-1", AccountCode: "200" },
    { Description: "Freight", AccountCode: "999", TaxType: "BADTAX" },
  ];
  test("names the line whose code Xero rejected", () => {
    expect(toPlainWords(["Account code '999' is not a valid code for this document."], lines)).toBe(
      "Line 2 (Freight): Account code '999' is not a valid code for this document.",
    );
  });
  test("keeps messages that name no line as they are, once each", () => {
    expect(toPlainWords(["The contact has been archived.", "The contact has been archived."], lines)).toBe(
      "The contact has been archived.",
    );
  });
  test("spots messages about reference data", () => {
    expect(mentionsReferenceData(["Account code '999' is not a valid code"])).toBe(true);
    expect(mentionsReferenceData(["The TaxType code 'X' does not exist"])).toBe(true);
    expect(mentionsReferenceData(["Item code 'W-9' is not valid."])).toBe(true);
    expect(mentionsReferenceData(["Invoice # must be unique"])).toBe(false);
  });
});

describe("matchContacts", () => {
  const customer = (dynamicsId: string, name: string, accountNumber?: string) =>
    Customer.parse({ kind: "account", dynamicsId, name, ...(accountNumber === undefined ? {} : { accountNumber }) });
  const a = "11111111-1111-4111-8111-111111111111";
  const b = "22222222-2222-4222-8222-222222222222";
  const c = "33333333-3333-4333-8333-333333333333";
  test("account number first, then name (case-insensitive); unmatched customers are left out", () => {
    const matches = matchContacts(
      [customer(a, "Fabrikam", "FAB-1"), customer(b, "Contoso Ltd"), customer(c, "Nobody")],
      [
        { ContactID: "x-name", Name: "Fabrikam" },
        { ContactID: "x-number", Name: "Fabrikam (old name)", AccountNumber: "fab-1" },
        { ContactID: "x-contoso", Name: "contoso ltd" },
      ],
    );
    expect([...matches]).toStrictEqual([
      [`account:${a}`, "x-number"],
      [`account:${b}`, "x-contoso"],
    ]);
  });
});

describe("toEmailBlocker (the reference docs' Xero-side criteria)", () => {
  test.each([
    ["not found", undefined, "a@b.c", "not-found"],
    ["already sent", { Status: "AUTHORISED", SentToContact: true }, "a@b.c", "already-sent"],
    ["draft", { Status: "DRAFT" }, "a@b.c", "not-approved"],
    ["submitted for approval", { Status: "SUBMITTED" }, "a@b.c", "not-approved"],
    ["deleted", { Status: "DELETED" }, "a@b.c", "deleted"],
    ["voided", { Status: "VOIDED" }, "a@b.c", "voided"],
    ["no email", { Status: "AUTHORISED" }, undefined, "no-email"],
    ["blank email", { Status: "AUTHORISED" }, "  ", "no-email"],
    ["eligible", { Status: "AUTHORISED", SentToContact: false }, "a@b.c", undefined],
    ["paid, still eligible", { Status: "PAID" }, "a@b.c", undefined],
  ])("%s", (_name, invoice, email, expected) => {
    expect(toEmailBlocker(invoice, email)).toBe(expected);
  });
});
