import { XrmMockGenerator } from "xrm-mock";
import { invoice, invoicedetail, mag_xeroconnector, mag_xerosyncstatus } from "../../src/generated/dataverse";
import {
  copyPayNowLink,
  createInvoiceFormHandlers,
  followUpDelaysMs,
  serviceWrittenColumns,
  xeroTabName,
} from "../../src/invoice-form/handlers";
import { noticeIds } from "../../src/invoice-form/rules";
import type { FakeServer, Row, TestPorts } from "../support/xrm";
import {
  eventContext,
  formContext,
  formNotifications,
  initialisePage,
  isDisabled,
  notification,
  saveEventContext,
  settle,
} from "../support/xrm";

const invoiceId = "{0A1B2C3D-0000-4000-8000-000000000001}";
const connectorId = "0a1b2c3d-0000-4000-8000-0000000000c1";
const col = invoice.columns;

interface InvoiceValues {
  addToXero?: boolean;
  customer?: boolean;
  connector?: boolean;
  synched?: boolean;
  xeroId?: string | null;
  status?: number | null;
  syncError?: string | null;
  payNowLink?: string | null;
  sendEmail?: boolean;
  emailSent?: boolean;
}

/** The lines the fake server holds for the invoice, and the connectors it knows. */
interface ServerData {
  lines?: Row[];
  connector?: Row;
  defaultConnector?: Row | null;
}

const goodConnector: Row = {
  [mag_xeroconnector.primaryIdAttribute]: connectorId,
  [mag_xeroconnector.columns.mag_name]: "Acme NZ",
  [mag_xeroconnector.columns.mag_enabled]: true,
  [mag_xeroconnector.columns.mag_autoapproveinvoices]: true,
  [`_${mag_xeroconnector.columns.mag_defaultaccountcodeid}_value`]: "0a1b2c3d-0000-4000-8000-0000000000a1",
  [`_${mag_xeroconnector.columns.mag_defaulttaxrateid}_value`]: "0a1b2c3d-0000-4000-8000-0000000000b1",
};

const codedLine: Row = {
  invoicedetailid: "0a1b2c3d-0000-4000-8000-0000000000d1",
  productdescription: "Widget",
  _mag_xeroaccountcodeid_value: "0a1b2c3d-0000-4000-8000-0000000000a1",
  _mag_taxrateid_value: "0a1b2c3d-0000-4000-8000-0000000000b1",
};

const isBlank = (value: unknown) => value === null || value === undefined;

/** A fake Web API that evaluates the two line queries the way Dataverse would. */
function serverFor(data: ServerData): FakeServer & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    retrieveMultiple: (table, options) => {
      queries.push(`${table} ${options}`);
      if (table === invoicedetail.logicalName) {
        const lines = data.lines ?? [];
        if (options.includes("eq null")) {
          return lines.filter((line) => isBlank(line._mag_xeroaccountcodeid_value) || isBlank(line._mag_taxrateid_value));
        }
        return lines.slice(0, 1);
      }
      if (table === mag_xeroconnector.logicalName) return data.defaultConnector ? [data.defaultConnector] : [];
      throw new Error(`unexpected table ${table}`);
    },
    retrieve: (table, id) => {
      queries.push(`${table}(${id})`);
      if (table === mag_xeroconnector.logicalName && data.connector !== undefined) return data.connector;
      throw new Error(`no ${table} ${id}`);
    },
  };
}

/** `id: null` builds the form of a new, unsaved invoice. */
function buildInvoiceForm(values: InvoiceValues, server: FakeServer, id: string | null = invoiceId): TestPorts {
  const ports = initialisePage(invoice.logicalName, id ?? undefined, server);
  const attributes = XrmMockGenerator.Attribute;
  XrmMockGenerator.Tab.createTab(xeroTabName, "Xero", false);
  attributes.createBoolean(col.mag_addtoxero, values.addToXero ?? false);
  attributes.createLookup(
    col.customerid,
    values.customer === false ? undefined : { id: "{0A1B2C3D-0000-4000-8000-0000000000E1}", name: "Contoso", entityType: "account" },
  );
  attributes.createLookup(
    col.mag_xeroconnectorid,
    values.connector === true ? { id: `{${connectorId.toUpperCase()}}`, name: "Acme NZ", entityType: "mag_xeroconnector" } : undefined,
  );
  attributes.createBoolean(col.mag_synchedwithxero, values.synched ?? false);
  attributes.createString(col.mag_xeroid, values.xeroId ?? undefined);
  attributes.createOptionSet(col.mag_xerosyncstatus, values.status ?? undefined);
  attributes.createString(col.mag_xerosyncerror, values.syncError ?? undefined);
  attributes.createString(col.mag_xeropaynowlink, values.payNowLink ?? undefined);
  attributes.createDate(col.mag_xerolastsyncedon, undefined);
  attributes.createBoolean(col.mag_sendemailfromxero, values.sendEmail ?? false);
  attributes.createBoolean(col.mag_emailsentfromxero, values.emailSent ?? false);
  return ports;
}

const handlersFor = (ports: TestPorts) => createInvoiceFormHandlers(() => ports);

/** Sets Add to Xero to Yes the way the user does, and runs the change handler. */
async function userSetsAddToXero(ports: TestPorts): Promise<void> {
  formContext().getAttribute(col.mag_addtoxero)?.setValue(true);
  await handlersFor(ports).onAddToXeroChange(eventContext());
}

describe("invoice form: onLoad", () => {
  it("shows the Xero tab", async () => {
    const ports = buildInvoiceForm({}, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(formContext().ui.tabs.get(xeroTabName)?.getVisible()).toBe(true);
  });

  it("locks every field only the service writes, and leaves the user's fields editable", async () => {
    const ports = buildInvoiceForm({}, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    for (const column of serviceWrittenColumns) expect([column, isDisabled(column)]).toStrictEqual([column, true]);
    expect(isDisabled(col.mag_addtoxero)).toBe(false);
  });

  it("locks Add to Xero once the invoice is in Xero", async () => {
    const ports = buildInvoiceForm({ addToXero: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced }, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(isDisabled(col.mag_addtoxero)).toBe(true);
  });

  it.each([
    [mag_xerosyncstatus.Pending, "INFO", /^Waiting to be sent to Xero/],
    [mag_xerosyncstatus.Synced, "INFO", /^Synced with Xero\. Xero invoice id: x-1\.$/],
    [mag_xerosyncstatus.Failed, "ERROR", /^Xero did not accept this invoice: Contact is archived\. Fix the invoice/],
    [mag_xerosyncstatus.Retrying, "WARNING", /^Xero could not be reached \(Contact is archived\.\)/],
  ])("shows sync status %p as a %s notification", async (status, level, message) => {
    const ports = buildInvoiceForm(
      { addToXero: true, status, xeroId: "x-1", synched: status === mag_xerosyncstatus.Synced, syncError: "Contact is archived." },
      serverFor({ connector: goodConnector }),
    );
    await handlersFor(ports).onLoad(eventContext());
    const shown = notification(noticeIds.syncStatus);
    expect(shown?.level).toBe(level);
    expect(shown?.message).toMatch(message);
  });

  it("shows no sync notification on an invoice not going to Xero", async () => {
    const ports = buildInvoiceForm({}, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(formNotifications()).toStrictEqual([]);
  });

  it("offers to copy the pay-now link from its field", async () => {
    const link = "https://in.xero.com/pay/abc123";
    const ports = buildInvoiceForm(
      { addToXero: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced, payNowLink: link },
      serverFor({}),
    );
    await handlersFor(ports).onLoad(eventContext());
    const control = formContext().getControl<Xrm.Controls.StringControl>(col.mag_xeropaynowlink) as unknown as {
      getNotifications(): Xrm.Controls.AddControlNotificationOptions[];
      applyNotification(): boolean;
    };
    const [offer] = control.getNotifications();
    expect(offer?.notificationLevel).toBe("RECOMMENDATION");
    expect(offer?.messages[0]?.length).toBeLessThanOrEqual(50);
    // xrm-mock's applyNotification runs the first action, as the Apply button does.
    expect(control.applyNotification()).toBe(true);
    await settle();
    expect(ports.copyText).toHaveBeenCalledWith(link);
    expect(notification(noticeIds.payNowCopied)?.message).toBe("Pay-now link copied.");
    const [[delay, takeDown] = []] = ports.later.mock.calls;
    expect(delay).toBe(5000);
    takeDown?.();
    expect(notification(noticeIds.payNowCopied)).toBeUndefined();
  });

  it("offers nothing for a pay-now link that is not https", async () => {
    const ports = buildInvoiceForm({ payNowLink: "javascript:alert(1)" }, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    const control = formContext().getControl(col.mag_xeropaynowlink) as unknown as { getNotifications(): unknown[] };
    expect(control.getNotifications()).toStrictEqual([]);
  });

  it("offers Send Email From Xero on a synced invoice whose email has not been sent", async () => {
    const ports = buildInvoiceForm({ addToXero: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced }, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(isDisabled(col.mag_sendemailfromxero)).toBe(false);
    expect(notification(noticeIds.sendEmail)).toBeUndefined();
  });

  it("disables Send Email From Xero before the invoice is synced, and says why", async () => {
    const ports = buildInvoiceForm({ addToXero: true, status: mag_xerosyncstatus.Pending }, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(isDisabled(col.mag_sendemailfromxero)).toBe(true);
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/becomes available once this invoice is in Xero/);
  });

  it("disables Send Email From Xero once Xero has sent the email", async () => {
    const ports = buildInvoiceForm(
      { addToXero: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced, sendEmail: true, emailSent: true },
      serverFor({}),
    );
    await handlersFor(ports).onLoad(eventContext());
    expect(isDisabled(col.mag_sendemailfromxero)).toBe(true);
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/Xero has emailed this invoice/);
  });

  it("warns about drafts when the invoice's connector does not approve invoices", async () => {
    const server = serverFor({ connector: { ...goodConnector, [mag_xeroconnector.columns.mag_autoapproveinvoices]: false } });
    const ports = buildInvoiceForm(
      { addToXero: true, connector: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced, sendEmail: true },
      server,
    );
    await handlersFor(ports).onLoad(eventContext());
    expect(notification(noticeIds.sendEmail)?.level).toBe("WARNING");
  });
});

describe("invoice form: Add to Xero", () => {
  it("refuses Add to Xero for an invoice without lines: notification, value reset", async () => {
    const ports = buildInvoiceForm({}, serverFor({ lines: [], defaultConnector: goodConnector }));
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    const shown = notification(noticeIds.addToXero);
    expect(shown?.level).toBe("ERROR");
    expect(shown?.message).toMatch(/no products/);
  });

  it("refuses Add to Xero on a new, unsaved invoice without asking the server for lines", async () => {
    const server = serverFor({ defaultConnector: goodConnector });
    const ports = buildInvoiceForm({}, server, null);
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(server.queries.some((query) => query.startsWith(invoicedetail.logicalName))).toBe(false);
  });

  it("refuses Add to Xero for an invoice without a customer", async () => {
    const ports = buildInvoiceForm({ customer: false }, serverFor({ lines: [codedLine], defaultConnector: goodConnector }));
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.addToXero)?.message).toMatch(/no customer/);
  });

  it("refuses a line without an account code when the default connector has no default account code", async () => {
    const bare = { ...goodConnector, [`_${mag_xeroconnector.columns.mag_defaultaccountcodeid}_value`]: null };
    const line = { ...codedLine, _mag_xeroaccountcodeid_value: null };
    const ports = buildInvoiceForm({}, serverFor({ lines: [line], defaultConnector: bare }));
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.addToXero)?.message).toMatch(/"Widget" has no Xero account code and the Xero Connector "Acme NZ"/);
  });

  it("refuses a line without a tax rate when the invoice's own connector has no default tax rate", async () => {
    const bare = { ...goodConnector, [`_${mag_xeroconnector.columns.mag_defaulttaxrateid}_value`]: null };
    const line = { ...codedLine, _mag_taxrateid_value: null };
    const server = serverFor({ lines: [line], connector: bare });
    const ports = buildInvoiceForm({ connector: true }, server);
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.addToXero)?.message).toMatch(/has no tax rate/);
    expect(server.queries).toContain(`${mag_xeroconnector.logicalName}(${connectorId})`);
  });

  it("allows a line without codes when the connector has defaults, and shows the pending status", async () => {
    const line = { ...codedLine, _mag_xeroaccountcodeid_value: null, _mag_taxrateid_value: null };
    const ports = buildInvoiceForm({}, serverFor({ lines: [line], defaultConnector: goodConnector }));
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(true);
    expect(notification(noticeIds.addToXero)).toBeUndefined();
    expect(notification(noticeIds.syncStatus)?.message).toMatch(/^Waiting to be sent to Xero/);
  });

  it("refuses when no connector is chosen and none is the default", async () => {
    const ports = buildInvoiceForm({}, serverFor({ lines: [codedLine], defaultConnector: null }));
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.addToXero)?.message).toMatch(/none is the default/);
  });

  it("asks the server with $select, $filter and $top only", async () => {
    const server = serverFor({ lines: [codedLine], defaultConnector: goodConnector });
    const ports = buildInvoiceForm({}, server);
    await userSetsAddToXero(ports);
    const lineQueries = server.queries.filter((query) => query.startsWith(`${invoicedetail.logicalName} `));
    expect(lineQueries).toHaveLength(2);
    for (const query of [...lineQueries, ...server.queries.filter((q) => q.startsWith(`${mag_xeroconnector.logicalName} `))]) {
      expect(query).toMatch(/\?\$select=[^&]+&\$filter=[^&]+(&\$orderby=[^&]+)?&\$top=\d+$/);
    }
    expect(lineQueries[0]).toContain("_invoiceid_value eq 0a1b2c3d-0000-4000-8000-000000000001");
  });

  it("keeps the choice, with a warning, when the check cannot reach the server", async () => {
    const ports = buildInvoiceForm({}, {
      retrieveMultiple: () => {
        throw new Error("Network error");
      },
    });
    await userSetsAddToXero(ports);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(true);
    expect(notification(noticeIds.addToXero)?.level).toBe("WARNING");
    expect(notification(noticeIds.addToXero)?.message).toMatch(/Network error/);
  });

  it("clears an earlier refusal when set back to No", async () => {
    const ports = buildInvoiceForm({}, serverFor({ lines: [], defaultConnector: goodConnector }));
    await userSetsAddToXero(ports);
    expect(notification(noticeIds.addToXero)).toBeDefined();
    await handlersFor(ports).onAddToXeroChange(eventContext());
    expect(notification(noticeIds.addToXero)).toBeUndefined();
  });
});

describe("invoice form: onSave", () => {
  it("checks a dirty Add to Xero = Yes before the save and resets it when refused", async () => {
    const ports = buildInvoiceForm({}, serverFor({ lines: [], defaultConnector: goodConnector }));
    formContext().getAttribute(col.mag_addtoxero)?.setValue(true);
    const context = saveEventContext();
    await handlersFor(ports).onSave(context);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.addToXero)?.level).toBe("ERROR");
  });

  it("joins the check the change handler started instead of asking twice", async () => {
    const server = serverFor({ lines: [codedLine], defaultConnector: goodConnector });
    const ports = buildInvoiceForm({}, server);
    const handlers = handlersFor(ports);
    formContext().getAttribute(col.mag_addtoxero)?.setValue(true);
    const change = handlers.onAddToXeroChange(eventContext());
    const save = handlers.onSave(saveEventContext());
    await Promise.all([change, save]);
    expect(server.queries.filter((query) => query.startsWith(`${invoicedetail.logicalName} `))).toHaveLength(2);
    expect(formContext().getAttribute(col.mag_addtoxero)?.getValue()).toBe(true);
  });

  it("does nothing when Add to Xero was not changed", async () => {
    const server = serverFor({});
    const ports = buildInvoiceForm({ addToXero: true }, server);
    await handlersFor(ports).onSave(saveEventContext());
    expect(server.queries).toStrictEqual([]);
  });
});

describe("invoice form: Send Email From Xero", () => {
  it("undoes Yes when the invoice is not in Xero, and says why", async () => {
    const ports = buildInvoiceForm({ addToXero: true, status: mag_xerosyncstatus.Pending }, serverFor({}));
    formContext().getAttribute(col.mag_sendemailfromxero)?.setValue(true);
    await handlersFor(ports).onSendEmailFromXeroChange(eventContext());
    expect(formContext().getAttribute(col.mag_sendemailfromxero)?.getValue()).toBe(false);
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/becomes available once this invoice is in Xero/);
  });

  it("confirms Yes on a synced invoice", async () => {
    const ports = buildInvoiceForm(
      { addToXero: true, connector: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced },
      serverFor({ connector: goodConnector }),
    );
    formContext().getAttribute(col.mag_sendemailfromxero)?.setValue(true);
    await handlersFor(ports).onSendEmailFromXeroChange(eventContext());
    expect(formContext().getAttribute(col.mag_sendemailfromxero)?.getValue()).toBe(true);
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/next Invoice Emails run/);
  });
});

describe("invoice form: the Invoice Emails note", () => {
  const note =
    'The invoice email waits: The Xero contact "Contoso" has no email address for its primary person. Add one to the contact in Xero.';
  const waiting = { addToXero: true, connector: true, synched: true, xeroId: "x-1", status: mag_xerosyncstatus.Synced, sendEmail: true };

  it("shows the service's note as a warning of its own, keeps the sync status, and asks the server nothing", async () => {
    const server = serverFor({ connector: goodConnector });
    const ports = buildInvoiceForm({ ...waiting, syncError: note }, server);
    await handlersFor(ports).onLoad(eventContext());
    expect(notification(noticeIds.emailNote)).toStrictEqual(expect.objectContaining({ level: "WARNING", message: note }));
    expect(notification(noticeIds.syncStatus)?.message).toBe("Synced with Xero. Xero invoice id: x-1.");
    // The general "Xero will email this invoice …" would contradict the note.
    expect(notification(noticeIds.sendEmail)).toBeUndefined();
    expect(server.queries).toStrictEqual([]);
  });

  it("takes the note down when the user sets Send Email From Xero to No, and shows it again on Yes", async () => {
    const ports = buildInvoiceForm({ ...waiting, syncError: note }, serverFor({ connector: goodConnector }));
    const handlers = handlersFor(ports);
    await handlers.onLoad(eventContext());
    formContext().getAttribute(col.mag_sendemailfromxero)?.setValue(false);
    await handlers.onSendEmailFromXeroChange(eventContext());
    expect(notification(noticeIds.emailNote)).toBeUndefined();
    formContext().getAttribute(col.mag_sendemailfromxero)?.setValue(true);
    await handlers.onSendEmailFromXeroChange(eventContext());
    expect(notification(noticeIds.emailNote)?.message).toBe(note);
  });

  it("shows no note once Xero has emailed the invoice", async () => {
    const ports = buildInvoiceForm({ ...waiting, emailSent: true, syncError: note }, serverFor({}));
    await handlersFor(ports).onLoad(eventContext());
    expect(notification(noticeIds.emailNote)).toBeUndefined();
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/Xero has emailed this invoice/);
  });

  it("treats a sync error that is not the service's note as no note", async () => {
    const ports = buildInvoiceForm({ ...waiting, syncError: "Checked by finance." }, serverFor({ connector: goodConnector }));
    await handlersFor(ports).onLoad(eventContext());
    expect(notification(noticeIds.emailNote)).toBeUndefined();
    expect(notification(noticeIds.sendEmail)?.message).toMatch(/next Invoice Emails run/);
  });
});

describe("copyPayNowLink", () => {
  it("shows the link in a dialog when the browser refuses the clipboard", async () => {
    const ports = buildInvoiceForm({}, serverFor({}));
    ports.copyText.mockResolvedValue(false);
    const alert = jest.spyOn(ports.navigation, "openAlertDialog");
    await copyPayNowLink(formContext(), ports, "https://in.xero.com/pay/abc123");
    expect(alert).toHaveBeenCalledWith(expect.objectContaining({ text: "https://in.xero.com/pay/abc123" }));
    expect(notification(noticeIds.payNowCopied)).toBeUndefined();
  });
});

describe("invoice form: after a save", () => {
  /** Runs the post-save handler onLoad registered, as the form does after each save. */
  function firePostSave(): void {
    const entity = formContext().data.entity as unknown as { postSaveEventHandlers: ((context: Xrm.Events.EventContext) => void)[] };
    for (const handler of entity.postSaveEventHandlers) handler(eventContext());
  }

  /** Runs the callback the form scheduled with `later` (the n-th call) and waits for it. */
  async function runScheduled(ports: TestPorts, index: number): Promise<number | undefined> {
    const [delay, action] = ports.later.mock.calls[index] ?? [];
    action?.();
    await settle();
    return delay;
  }

  it("looks again while the invoice waits, then reloads the form and shows the result", async () => {
    let serverStatus: number = mag_xerosyncstatus.Pending;
    const ports = buildInvoiceForm({ addToXero: true, status: mag_xerosyncstatus.Pending }, {
      retrieve: (table, _id, options) => {
        expect([table, options]).toStrictEqual([invoice.logicalName, "?$select=mag_xerosyncstatus"]);
        return { mag_xerosyncstatus: serverStatus };
      },
    });
    const refresh = jest.spyOn(formContext().data, "refresh").mockImplementation(() => {
      // What the reload brings: the values the service wrote.
      formContext().getAttribute(col.mag_xerosyncstatus)?.setValue(mag_xerosyncstatus.Synced);
      formContext().getAttribute(col.mag_synchedwithxero)?.setValue(true);
      formContext().getAttribute(col.mag_xeroid)?.setValue("x-9");
      return Promise.resolve(undefined) as unknown as Xrm.Async.PromiseLike<undefined>;
    });
    await handlersFor(ports).onLoad(eventContext());
    firePostSave();
    await settle();
    expect(await runScheduled(ports, 0)).toBe(followUpDelaysMs[0]);
    expect(refresh).not.toHaveBeenCalled();
    serverStatus = mag_xerosyncstatus.Synced;
    expect(await runScheduled(ports, 1)).toBe(followUpDelaysMs[1]);
    expect(refresh).toHaveBeenCalledWith(false);
    expect(notification(noticeIds.syncStatus)?.message).toBe("Synced with Xero. Xero invoice id: x-9.");
    expect(isDisabled(col.mag_addtoxero)).toBe(true);
    expect(ports.later).toHaveBeenCalledTimes(2);
  });

  it("never reloads over unsaved edits", async () => {
    const ports = buildInvoiceForm({ addToXero: true, status: mag_xerosyncstatus.Pending }, {
      retrieve: () => ({ mag_xerosyncstatus: mag_xerosyncstatus.Failed }),
    });
    const refresh = jest.spyOn(formContext().data, "refresh");
    await handlersFor(ports).onLoad(eventContext());
    firePostSave();
    await settle();
    formContext().getAttribute(col.mag_addtoxero)?.setValue(true);
    await runScheduled(ports, 0);
    expect(refresh).not.toHaveBeenCalled();
    expect(notification(noticeIds.syncStatus)?.message).toMatch(/Save your changes to see the result/);
  });

  it("registers its post-save redraw once, however often OnLoad runs", async () => {
    const ports = buildInvoiceForm({}, serverFor({}));
    const handlers = handlersFor(ports);
    await handlers.onLoad(eventContext());
    await handlers.onLoad(eventContext());
    const entity = formContext().data.entity as unknown as { postSaveEventHandlers: unknown[] };
    expect(entity.postSaveEventHandlers).toHaveLength(1);
  });

  it("stops after the last delay, and does not look at all for an invoice not going to Xero", async () => {
    const ports = buildInvoiceForm({ addToXero: true, status: mag_xerosyncstatus.Pending }, {
      retrieve: () => ({ mag_xerosyncstatus: mag_xerosyncstatus.Pending }),
    });
    await handlersFor(ports).onLoad(eventContext());
    firePostSave();
    await settle();
    for (let index = 0; index < followUpDelaysMs.length; index += 1) await runScheduled(ports, index);
    expect(ports.later).toHaveBeenCalledTimes(followUpDelaysMs.length);

    const idle = buildInvoiceForm({}, serverFor({}));
    await handlersFor(idle).onLoad(eventContext());
    firePostSave();
    await settle();
    expect(idle.later).not.toHaveBeenCalled();
  });
});
