import { mag_xerosyncstatus } from "../../src/generated/dataverse";
import type { AddToXeroFacts, ConnectorFacts } from "../../src/invoice-form/rules";
import {
  evaluateAddToXero,
  emailNotePrefixes,
  evaluateSendEmail,
  noticeIds,
  toAddToXeroNotice,
  toEmailNoteNotice,
  toPayNowLink,
  toSyncNotification,
} from "../../src/invoice-form/rules";
import { formatIso } from "../support/xrm";

const connector: ConnectorFacts = {
  name: "Acme NZ",
  enabled: true,
  hasDefaultAccountCode: true,
  hasDefaultTaxRate: true,
  autoApproveInvoices: true,
  source: "invoice",
};

const eligible: AddToXeroFacts = {
  hasCustomer: true,
  hasLines: true,
  linesWithoutAccountCode: [],
  linesWithoutTaxRate: [],
  connector,
};

const codes = (facts: AddToXeroFacts) => evaluateAddToXero(facts).reasons.map((reason) => reason.code);

describe("evaluateAddToXero", () => {
  it("allows an invoice with a customer, lines and a connector", () => {
    expect(evaluateAddToXero(eligible)).toStrictEqual({ allowed: true, reasons: [], warnings: [] });
  });

  it("refuses an invoice without lines", () => {
    const decision = evaluateAddToXero({ ...eligible, hasLines: false });
    expect(decision.allowed).toBe(false);
    expect(decision.reasons.map((reason) => reason.code)).toStrictEqual(["no-lines"]);
    expect(decision.reasons[0]?.message).toMatch(/no products/);
  });

  it("refuses an invoice without a customer", () => {
    expect(codes({ ...eligible, hasCustomer: false })).toStrictEqual(["no-customer"]);
  });

  it("refuses when there is no connector on the invoice and no default", () => {
    expect(codes({ ...eligible, connector: null })).toStrictEqual(["no-connector"]);
  });

  it("lists every reason at once", () => {
    expect(codes({ ...eligible, hasLines: false, hasCustomer: false, connector: null })).toStrictEqual([
      "no-lines",
      "no-customer",
      "no-connector",
    ]);
  });

  it("allows lines without an account code or tax rate when the connector has defaults", () => {
    const facts = { ...eligible, linesWithoutAccountCode: ['"Widget"'], linesWithoutTaxRate: ['"Widget"'] };
    expect(evaluateAddToXero(facts).allowed).toBe(true);
  });

  it("refuses a line without an account code when the connector has no default account code", () => {
    const facts = {
      ...eligible,
      linesWithoutAccountCode: ['"Widget"'],
      connector: { ...connector, hasDefaultAccountCode: false },
    };
    const decision = evaluateAddToXero(facts);
    expect(decision.reasons.map((reason) => reason.code)).toStrictEqual(["missing-account-code"]);
    expect(decision.reasons[0]?.message).toBe(
      '"Widget" has no Xero account code and the Xero Connector "Acme NZ" has no default account code. Set an ' +
        "account code on each line, or a default on the connector.",
    );
  });

  it("refuses a line without a tax rate when the connector has no default tax rate", () => {
    const facts = {
      ...eligible,
      linesWithoutTaxRate: ['"Widget"', '"Gadget"', "line 3", "line 4"],
      connector: { ...connector, hasDefaultTaxRate: false },
    };
    const decision = evaluateAddToXero(facts);
    expect(decision.reasons.map((reason) => reason.code)).toStrictEqual(["missing-tax-rate"]);
    expect(decision.reasons[0]?.message).toMatch(/^"Widget", "Gadget", line 3 and 1 more have no tax rate/);
  });

  it("does not refuse a missing default when every line has its code", () => {
    const facts = { ...eligible, connector: { ...connector, hasDefaultAccountCode: false, hasDefaultTaxRate: false } };
    expect(evaluateAddToXero(facts).allowed).toBe(true);
  });

  it("warns, without refusing, when the connector is disabled", () => {
    const decision = evaluateAddToXero({ ...eligible, connector: { ...connector, enabled: false } });
    expect(decision.allowed).toBe(true);
    expect(decision.warnings).toStrictEqual(['The Xero Connector "Acme NZ" is disabled: this invoice will wait until it is enabled.']);
  });
});

describe("toAddToXeroNotice", () => {
  it("is an error naming every reason when refused", () => {
    const notice = toAddToXeroNotice(evaluateAddToXero({ ...eligible, hasLines: false, hasCustomer: false }));
    expect(notice?.id).toBe(noticeIds.addToXero);
    expect(notice?.level).toBe("ERROR");
    expect(notice?.message).toMatch(/^This invoice cannot be added to Xero yet\. .*no products.*no customer/);
  });

  it("is a warning when allowed with warnings, and nothing when allowed without", () => {
    expect(toAddToXeroNotice(evaluateAddToXero({ ...eligible, connector: { ...connector, enabled: false } }))?.level).toBe(
      "WARNING",
    );
    expect(toAddToXeroNotice(evaluateAddToXero(eligible))).toBeNull();
  });
});

describe("toSyncNotification", () => {
  const base = { addToXero: true, syncStatus: null, xeroId: null, syncError: null, lastSyncedOn: null };

  it("shows nothing for an invoice not going to Xero", () => {
    expect(toSyncNotification({ ...base, addToXero: false }, formatIso)).toBeNull();
    expect(toSyncNotification({ ...base, addToXero: null }, formatIso)).toBeNull();
  });

  it("treats Add to Xero without a status yet as pending", () => {
    expect(toSyncNotification(base, formatIso)?.message).toMatch(/^Waiting to be sent to Xero/);
  });

  it("shows pending as information", () => {
    expect(toSyncNotification({ ...base, syncStatus: mag_xerosyncstatus.Pending }, formatIso)).toStrictEqual({
      id: noticeIds.syncStatus,
      level: "INFO",
      message:
        "Waiting to be sent to Xero. The connector picks it up on its next run (every 15 minutes, or within seconds " +
        "with real-time sync).",
    });
  });

  it("shows synced as information with the Xero id and when", () => {
    const notice = toSyncNotification(
      {
        ...base,
        syncStatus: mag_xerosyncstatus.Synced,
        xeroId: "243216c5-369e-4056-ac67-05388f86dc81",
        lastSyncedOn: new Date("2026-11-21T09:30:00Z"),
      },
      formatIso,
    );
    expect(notice).toStrictEqual({
      id: noticeIds.syncStatus,
      level: "INFO",
      message: "Synced with Xero on 2026-11-21T09:30:00.000Z. Xero invoice id: 243216c5-369e-4056-ac67-05388f86dc81.",
    });
  });

  it("shows failed as an error with mag_xerosyncerror", () => {
    const notice = toSyncNotification(
      { ...base, syncStatus: mag_xerosyncstatus.Failed, syncError: "Account code '999' is not a valid code for this document." },
      formatIso,
    );
    expect(notice?.level).toBe("ERROR");
    expect(notice?.message).toBe(
      "Xero did not accept this invoice: Account code '999' is not a valid code for this document. Fix the invoice, " +
        "then use Retry Xero sync.",
    );
  });

  it("shows failed without a recorded error as an error pointing to the sync log", () => {
    const notice = toSyncNotification({ ...base, syncStatus: mag_xerosyncstatus.Failed }, formatIso);
    expect(notice?.level).toBe("ERROR");
    expect(notice?.message).toMatch(/gave no reason.*Xero Sync Log/);
  });

  it("shows retrying as a warning", () => {
    const notice = toSyncNotification({ ...base, syncStatus: mag_xerosyncstatus.Retrying, syncError: "Xero answered 503" }, formatIso);
    expect(notice?.level).toBe("WARNING");
    expect(notice?.message).toBe(
      "Xero could not be reached (Xero answered 503). The connector will try again by itself; nothing to do for now.",
    );
  });

  it("shows nothing for an unknown status value", () => {
    expect(toSyncNotification({ ...base, syncStatus: 1 }, formatIso)).toBeNull();
  });
});

describe("evaluateSendEmail", () => {
  const synced = {
    addToXero: true,
    synchedWithXero: true,
    xeroId: "243216c5-369e-4056-ac67-05388f86dc81",
    sendEmailFromXero: false,
    emailSentFromXero: false,
    connectorAutoApproves: true,
    syncError: null,
  };

  it("is offered, silently, on a synced invoice with a Xero id whose email has not been sent", () => {
    expect(evaluateSendEmail(synced)).toStrictEqual({ available: true, notice: null, emailNote: null });
  });

  it("is not offered before the invoice is synced, and says why when it is on its way", () => {
    const decision = evaluateSendEmail({ ...synced, synchedWithXero: false, xeroId: null });
    expect(decision.available).toBe(false);
    expect(decision.notice?.message).toMatch(/becomes available once this invoice is in Xero/);
  });

  it("is not offered without a Xero id even if marked synced", () => {
    expect(evaluateSendEmail({ ...synced, xeroId: null }).available).toBe(false);
  });

  it("stays quiet on an invoice that is not going to Xero", () => {
    expect(
      evaluateSendEmail({ ...synced, addToXero: false, synchedWithXero: false, xeroId: null }),
    ).toStrictEqual({ available: false, notice: null, emailNote: null });
  });

  it("is not offered once the email has been sent, and says so", () => {
    const decision = evaluateSendEmail({ ...synced, sendEmailFromXero: true, emailSentFromXero: true });
    expect(decision.available).toBe(false);
    expect(decision.notice?.message).toMatch(/Xero has emailed this invoice/);
  });

  it("explains that a Yes set before the sync waits for it", () => {
    const decision = evaluateSendEmail({ ...synced, synchedWithXero: false, xeroId: null, sendEmailFromXero: true });
    expect(decision.available).toBe(false);
    expect(decision.notice?.message).toMatch(/once it has been synced/);
  });

  it("confirms what happens when Yes on a synced invoice", () => {
    const decision = evaluateSendEmail({ ...synced, sendEmailFromXero: true });
    expect(decision).toStrictEqual({
      available: true,
      notice: {
        id: noticeIds.sendEmail,
        level: "INFO",
        message: "Xero will email this invoice to the customer's primary contact on the next Invoice Emails run (hourly).",
      },
      emailNote: null,
    });
  });

  it("warns that Xero does not email drafts when the connector does not approve invoices", () => {
    const decision = evaluateSendEmail({ ...synced, sendEmailFromXero: true, connectorAutoApproves: false });
    expect(decision.available).toBe(true);
    expect(decision.notice?.level).toBe("WARNING");
    expect(decision.notice?.message).toMatch(/only approved invoices/);
  });
});

describe("the Invoice Emails note (evaluateSendEmail, toEmailNoteNotice)", () => {
  const waiting = {
    addToXero: true,
    synchedWithXero: true,
    xeroId: "243216c5-369e-4056-ac67-05388f86dc81",
    sendEmailFromXero: true,
    emailSentFromXero: false,
    connectorAutoApproves: false,
    syncError: `${emailNotePrefixes.waiting}The Xero contact "Kauri Timber Ltd" has no email address for its primary person.`,
  };

  it("shows the service's note as a warning of its own, in place of the general notice", () => {
    expect(evaluateSendEmail(waiting)).toStrictEqual({
      available: true,
      notice: null,
      emailNote: { id: noticeIds.emailNote, level: "WARNING", message: waiting.syncError },
    });
  });

  it("shows a refusal the same way", () => {
    const syncError = `${emailNotePrefixes.refused}The contact does not have an email address.`;
    expect(toEmailNoteNotice({ ...waiting, syncError })).toStrictEqual({
      id: noticeIds.emailNote,
      level: "WARNING",
      message: syncError,
    });
  });

  it.each([
    ["the email has been sent", { emailSentFromXero: true }],
    ["Send Email From Xero is No", { sendEmailFromXero: false }],
    ["the invoice is not synced", { synchedWithXero: false }],
    ["there is no Xero id", { xeroId: null }],
    ["the field holds a sync error, not a note", { syncError: "Xero did not accept this invoice: Contact is archived." }],
    ["the field is empty", { syncError: null }],
  ])("shows nothing when %s", (_name, change) => {
    expect(toEmailNoteNotice({ ...waiting, ...change })).toBeNull();
    expect(evaluateSendEmail({ ...waiting, ...change }).emailNote).toBeNull();
  });
});

describe("toPayNowLink", () => {
  it("accepts an https link", () => {
    expect(toPayNowLink(" https://in.xero.com/abc123 ")).toBe("https://in.xero.com/abc123");
  });

  it.each([[null], [""], ["not a url"], ["http://in.xero.com/abc"], ["javascript:alert(1)"]])("rejects %p", (value) => {
    expect(toPayNowLink(value)).toBeNull();
  });
});
