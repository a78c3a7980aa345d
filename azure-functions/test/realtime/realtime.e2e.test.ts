// The real-time add-on end to end on the sandbox, through the local Functions host: webhooks registered in the
// Dataverse emulator, deliveries to the service's HTTP triggers, the sync-work queue, the same flows as the timed runs.
import { createStorageWorkQueue, replayPoison, toWorkMessage } from "../../src/adapters/queue/work-queue";
import { invoice, mag_creditnote, mag_xeroconnector, mag_xerosynclog } from "../../src/generated/dataverse";
import { signXeroWebhook } from "../../../sandbox/src/xero/webhooks";
import { parseWebhookArgs, runWebhooks } from "../../../scripts/register-webhooks";
import { loadConfig } from "../../src/config";
import { startRealtimeSandbox, type RealtimeSandbox } from "./harness";

type Row = Record<string, unknown>;

describe("real-time add-on on the sandbox", () => {
  let rt: RealtimeSandbox;
  beforeAll(async () => {
    // Short queue delays keep retries quick; the semantics (base64, retries, poison after five) stay the host's.
    rt = await startRealtimeSandbox({
      hostSettings: { queues: { visibilityTimeoutMs: 200, maxPollingIntervalMs: 250 } },
    });
  }, 180_000);
  afterAll(async () => {
    await rt?.stop();
  });

  const xeroInvoicesNumbered = (number: string) =>
    [...rt.sandbox.xero.store.tenant(rt.sandbox.endpoints.xeroTenantId).invoices.values()].filter(
      (candidate) => candidate.InvoiceNumber === number,
    );
  const readInvoice = (id: string) =>
    rt.client.retrieve<Row>(invoice.entitySetName, id, {
      select: [invoice.columns.mag_synchedwithxero, invoice.columns.mag_xeroid, invoice.columns.mag_xerosyncstatus],
    });

  it("registers the webhook and its steps idempotently, and Xero's subscription passed intent to receive", async () => {
    expect(rt.intentToReceive).toBe(true);
    expect(rt.registration.action).toBe("registered");
    const steps = await rt.client.retrieveMultiple<Row>("sdkmessageprocessingsteps", {
      select: ["name", "stage", "mode", "filteringattributes"],
    });
    const ours = steps.filter((step) => String(step["name"]).startsWith("Xero Connector real-time"));
    expect(ours.map((step) => [step["stage"], step["mode"]])).toStrictEqual([
      [40, 1],
      [40, 1],
    ]);
    expect(ours.map((step) => step["filteringattributes"])).toStrictEqual([
      "mag_addtoxero,mag_xerosyncstatus",
      "mag_addtoxero,mag_xerosyncstatus",
    ]);
  });

  it("a flip of Add to Xero makes exactly one Xero invoice, delivered twice while the timed flow runs", async () => {
    const number = `RT-${Date.now()}`;
    const id = await rt.createInvoice(number);
    // A second step on the same endpoint makes Dataverse deliver the same event twice.
    const steps = await rt.client.retrieveMultiple<Row>("sdkmessageprocessingsteps", {
      select: ["name", "_sdkmessageid_value", "_sdkmessagefilterid_value", "_eventhandler_value"],
    });
    const invoiceStep = steps.find((candidate) => String(candidate["name"]).includes("Update of invoice"));
    const duplicate = await rt.client.create("sdkmessageprocessingsteps", {
      name: "duplicate delivery (test)",
      stage: 40,
      mode: 1,
      filteringattributes: "mag_addtoxero",
      "sdkmessageid@odata.bind": `/sdkmessages(${String(invoiceStep?.["_sdkmessageid_value"])})`,
      "sdkmessagefilterid@odata.bind": `/sdkmessagefilters(${String(invoiceStep?.["_sdkmessagefilterid_value"])})`,
      "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${String(invoiceStep?.["_eventhandler_value"])})`,
    });
    const queue = createStorageWorkQueue({ connectionString: rt.sandbox.azurite.connectionString });
    await Promise.all([
      rt.flipAddToXero(id),
      // The timed flow at the same moment.
      queue.enqueue(
        toWorkMessage(
          { now: () => Date.now() },
          {
            connectionId: rt.connectionId,
            flow: "InvoicesToXero",
            reason: "schedule",
            correlationId: `timed-${number}`,
          },
        ),
      ),
    ]);
    const synced = await rt.waitFor("the write-back", async () => {
      const row = await readInvoice(id);
      return row?.[invoice.columns.mag_synchedwithxero] === true ? row : undefined;
    });
    await rt.sandbox.dataverse.webhooks.idle();
    await rt.host.waitForIdle({ timeoutMs: 30_000 });
    await rt.client.delete("sdkmessageprocessingsteps", duplicate);
    const delivered = rt.sandbox.dataverse.webhooks.deliveries.filter(
      (delivery) => delivery.recordId === id && delivery.outcome === 202,
    );
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    const inXero = xeroInvoicesNumbered(number);
    expect(inXero).toHaveLength(1);
    expect(synced[invoice.columns.mag_xeroid]).toBe(inXero[0]?.InvoiceID);
  }, 60_000);

  it("pushes through the webhook alone (no timed run) and ignores the write-back's own echo", async () => {
    const number = `RT1-${Date.now()}`;
    const id = await rt.createInvoice(number);
    const before = rt.sandbox.dataverse.webhooks.deliveries.length;
    await rt.flipAddToXero(id);
    await rt.waitFor("the write-back", async () =>
      (await readInvoice(id))?.[invoice.columns.mag_synchedwithxero] === true ? true : undefined,
    );
    await rt.sandbox.dataverse.webhooks.idle();
    await rt.host.waitForIdle({ timeoutMs: 30_000 });
    expect(xeroInvoicesNumbered(number)).toHaveLength(1);
    // The flip and the write-back (mag_xerosyncstatus is a filtering attribute) were both delivered and answered 202.
    const deliveries = rt.sandbox.dataverse.webhooks.deliveries
      .slice(before)
      .filter((delivery) => delivery.recordId === id);
    expect(deliveries.map((delivery) => delivery.outcome)).toStrictEqual([202, 202]);
    expect(await rt.store.listMarkers(rt.connectionId, "InvoicesToXero", 10)).toStrictEqual([]);
  }, 60_000);

  describe("forged and malformed calls", () => {
    const webhookUrl = (query: string) => `${rt.host.apiUrl}/dataverse-webhook${query}`;
    const post = (url: string, body: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const contextFor = (invoiceId: string, organizationId: string) =>
      JSON.stringify({
        InputParameters: [
          {
            key: "Target",
            value: {
              __type: "Entity:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts",
              Attributes: [{ key: "mag_addtoxero", value: true }],
              Id: invoiceId,
              LogicalName: "invoice",
            },
          },
        ],
        MessageName: "Update",
        OrganizationId: organizationId,
        PrimaryEntityId: invoiceId,
        PrimaryEntityName: "invoice",
      });

    it("answers 401 to a wrong or missing Dataverse key and 400 to a malformed body, enqueueing nothing", async () => {
      const invoiceId = "00000000-0000-4000-8000-00000000f0f0";
      const { OrganizationId } = await rt.client.whoAmI();
      const body = contextFor(invoiceId, OrganizationId);
      const connection = `?connection=${rt.connectionId}`;
      expect((await post(webhookUrl(connection), body)).status).toBe(401);
      expect((await post(webhookUrl(`${connection}&code=forged`), body)).status).toBe(401);
      expect(
        (await post(webhookUrl("?code=forged"), body, { "x-ms-dynamics-organization": "nowhere.crm.dynamics.com" }))
          .status,
      ).toBe(401);
      const registered = (await rt.client.retrieveMultiple<Row>("serviceendpoints", { select: ["authvalue"] }))[0]?.[
        "authvalue"
      ];
      expect(
        (await post(webhookUrl(`${connection}&code=${encodeURIComponent(String(registered))}`), "{ not json")).status,
      ).toBe(400);
      expect(
        (
          await post(
            webhookUrl(`${connection}&code=${encodeURIComponent(String(registered))}`),
            JSON.stringify({ hello: "world" }),
          )
        ).status,
      ).toBe(400);
      // Nothing was recorded for the forged record, so nothing was enqueued (the receiver marks before it enqueues).
      expect(await rt.store.isMarked(rt.connectionId, "InvoicesToXero", invoiceId)).toBe(false);
      // The genuine key is accepted for the same body.
      expect(
        (await post(webhookUrl(`${connection}&code=${encodeURIComponent(String(registered))}`), body)).status,
      ).toBe(202);
    });

    it("answers 401 to a bad Xero signature or a body altered after signing, and 400 to a signed malformed body", async () => {
      const url = `${rt.host.apiUrl}/xero-webhook`;
      const key = rt.sandbox.xero.webhooks.signingKey;
      const resourceId = "0e64a61c-6d5a-4a3a-9b2b-00000000beef";
      const payload = JSON.stringify({
        events: [
          {
            resourceUrl: "x",
            resourceId,
            eventDateUtc: "2026-03-02T09:00:00.123",
            eventType: "UPDATE",
            eventCategory: "INVOICE",
            tenantId: rt.sandbox.endpoints.xeroTenantId,
            tenantType: "ORGANISATION",
          },
        ],
        firstEventSequence: 1,
        lastEventSequence: 1,
        entropy: "ABCDEFGHIJKLMNOPQRST",
      });
      const bad = await post(url, payload, { "x-xero-signature": signXeroWebhook("not-the-key", payload) });
      expect(bad.status).toBe(401);
      expect(await bad.text()).toBe("");
      expect(
        (await post(url, payload.replace("UPDATE", "CREATE"), { "x-xero-signature": signXeroWebhook(key, payload) }))
          .status,
      ).toBe(401);
      expect((await post(url, payload)).status).toBe(401);
      expect((await post(url, "[1,2]", { "x-xero-signature": signXeroWebhook(key, "[1,2]") })).status).toBe(400);
      expect(await rt.store.isMarked(rt.connectionId, "PaymentsFromXero", resourceId)).toBe(false);
    });
  });

  it("a payment applied in Xero reaches Dynamics 365 through the Xero webhook, without the timed flow", async () => {
    const number = `RTP-${Date.now()}`;
    const id = await rt.createInvoice(number);
    await rt.flipAddToXero(id);
    const pushed = await rt.waitFor("the push", async () => {
      const row = await readInvoice(id);
      return typeof row?.[invoice.columns.mag_xeroid] === "string"
        ? String(row[invoice.columns.mag_xeroid])
        : undefined;
    });
    const { xero, endpoints } = rt.sandbox;
    const token = xero.issueTokenSet({ tenantIds: [endpoints.xeroTenantId] }).access_token ?? "";
    const total = xero.store.tenant(endpoints.xeroTenantId).invoices.get(pushed.toLowerCase())?.Total ?? 0;
    const answer = await fetch(`${xero.apiUrl}/Payments`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${token}`,
        "xero-tenant-id": endpoints.xeroTenantId,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({
        Payments: [
          {
            Invoice: { InvoiceID: pushed },
            Account: { Code: "090" },
            Amount: total,
            Date: "2026-03-03",
            Reference: "webhook test",
          },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    const payment = await rt.waitFor("the payment row", async () => {
      const rows = await rt.client.retrieveMultiple<Row>("mag_payments", {
        select: ["mag_amount", "_mag_invoiceid_value", "mag_reference"],
      });
      return rows.find((row) => row["_mag_invoiceid_value"] === id);
    });
    expect(payment["mag_amount"]).toBe(total);
    const state = await rt.waitFor("the invoice closed as paid", async () => {
      const row = await rt.client.retrieve<Row>(invoice.entitySetName, id, { select: ["statecode"] });
      return row?.["statecode"] === 2 ? row : undefined;
    });
    expect(state["statecode"]).toBe(2);
  }, 60_000);

  it("a message failing five times is surfaced on the connector and the sync log, and replays once the cause is fixed", async () => {
    const { xero, endpoints } = rt.sandbox;
    const resourceId = "0e64a61c-6d5a-4a3a-9b2b-00000000dead";
    // Xero answers 500 to every payments read: each delivery retries, then the host tries again, five times.
    xero.faults.inject({ kind: "500", probability: 1, match: { path: "/Payments" } });
    const payload = JSON.stringify({
      events: [
        {
          resourceUrl: "x",
          resourceId,
          eventDateUtc: new Date().toISOString().slice(0, 23),
          eventType: "UPDATE",
          eventCategory: "INVOICE",
          tenantId: endpoints.xeroTenantId,
          tenantType: "ORGANISATION",
        },
      ],
      firstEventSequence: 1,
      lastEventSequence: 1,
      entropy: "ABCDEFGHIJKLMNOPQRST",
    });
    const answer = await fetch(`${rt.host.apiUrl}/xero-webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-xero-signature": signXeroWebhook(xero.webhooks.signingKey, payload),
      },
      body: payload,
    });
    expect(answer.status).toBe(200);
    try {
      await rt.waitFor("the poison queue", async () => ((await rt.queueDepth()).poison > 0 ? true : undefined), 90_000);
    } finally {
      xero.faults.clear();
    }
    const connector = await rt.client.retrieve<Row>(mag_xeroconnector.entitySetName, rt.connectorId, {
      select: [mag_xeroconnector.columns.mag_lasterror],
    });
    expect(String(connector?.[mag_xeroconnector.columns.mag_lasterror])).toContain(
      `PaymentsFromXero for record ${resourceId} failed 5 times`,
    );
    const logs = await rt.client.retrieveMultiple<Row>(mag_xerosynclog.entitySetName, {
      select: [
        mag_xerosynclog.columns.mag_recordid,
        mag_xerosynclog.columns.mag_retrycount,
        mag_xerosynclog.columns.mag_errorkind,
      ],
    });
    expect(logs.filter((log) => log[mag_xerosynclog.columns.mag_recordid] === resourceId)).toStrictEqual([
      expect.objectContaining({
        [mag_xerosynclog.columns.mag_retrycount]: 5,
        [mag_xerosynclog.columns.mag_errorkind]: "transient",
      }),
    ]);

    // What `npm run support -- replay-poison` runs: back onto sync-work, handled now that Xero answers.
    const summary = await replayPoison({
      connectionString: rt.sandbox.azurite.connectionString,
      clock: { now: () => Date.now() },
    });
    expect(summary).toStrictEqual({ replayed: 1, invalid: [] });
    await rt.waitFor("the replayed work", async () =>
      (await rt.store.isMarked(rt.connectionId, "PaymentsFromXero", resourceId)) ? undefined : true,
    );
    await rt.host.waitForIdle({ timeoutMs: 30_000 });
    expect(await rt.queueDepth()).toStrictEqual({ work: 0, poison: 0 });
  }, 120_000);

  it("a credit note whose Add to Xero is turned on goes to Xero through its own webhook step", async () => {
    const number = `RTC-${Date.now()}`;
    const id = await rt.createInvoice(number);
    await rt.flipAddToXero(id);
    await rt.waitFor("the invoice push", async () =>
      (await readInvoice(id))?.[invoice.columns.mag_synchedwithxero] === true ? true : undefined,
    );
    const creditNoteNumber = `CN-${number}`;
    const creditNoteId = await rt.client.create(mag_creditnote.entitySetName, {
      [mag_creditnote.columns.mag_name]: `Refund for ${number}`,
      [mag_creditnote.columns.mag_creditnotenumber]: creditNoteNumber,
      [mag_creditnote.columns.mag_creditdate]: "2026-03-02",
      [mag_creditnote.columns.mag_amount]: 20,
      [mag_creditnote.columns.mag_addtoxero]: false,
      [`${mag_creditnote.navigation.mag_invoiceid.invoice}@odata.bind`]: `/${invoice.entitySetName}(${id})`,
    });
    await rt.client.update(mag_creditnote.entitySetName, creditNoteId, {
      [mag_creditnote.columns.mag_addtoxero]: true,
    });
    const row = await rt.waitFor("the credit note write-back", async () => {
      const current = await rt.client.retrieve<Row>(mag_creditnote.entitySetName, creditNoteId, {
        select: [mag_creditnote.columns.mag_synchedwithxero, mag_creditnote.columns.mag_xeroid],
      });
      return current?.[mag_creditnote.columns.mag_synchedwithxero] === true ? current : undefined;
    });
    const inXero = [...rt.sandbox.xero.store.tenant(rt.sandbox.endpoints.xeroTenantId).creditNotes.values()].filter(
      (note) => note.CreditNoteNumber === creditNoteNumber,
    );
    expect(inXero).toHaveLength(1);
    expect(row[mag_creditnote.columns.mag_xeroid]).toBe(inXero[0]?.CreditNoteID);
    expect(
      rt.sandbox.dataverse.webhooks.deliveries.some(
        (delivery) =>
          delivery.recordId === creditNoteId && delivery.entityName === "mag_creditnote" && delivery.outcome === 202,
      ),
    ).toBe(true);
  }, 60_000);

  it("npm run webhooks: sync leaves one registration in place, remove takes it away, a flip then reaches nobody", async () => {
    const lines: string[] = [];
    const config = loadConfig(rt.env);
    expect(await runWebhooks(parseWebhookArgs([]), config, (line) => lines.push(line))).toBe(0);
    expect(lines).toStrictEqual([
      expect.stringMatching(new RegExp(`^${rt.connectionId}: webhook [0-9a-f-]+, steps invoice, mag_creditnote$`)),
    ]);
    const count = async (set: string) =>
      (await rt.client.retrieveMultiple<Row>(set, { select: ["name"] })).filter((row) =>
        String(row["name"]).startsWith("Xero Connector real-time"),
      ).length;
    expect(await count("serviceendpoints")).toBe(1);
    expect(await count("sdkmessageprocessingsteps")).toBe(2);
    expect(await rt.store.getRegistration(rt.connectionId)).toMatchObject({ registered: true });

    expect(await runWebhooks(parseWebhookArgs(["remove"]), config, (line) => lines.push(line))).toBe(0);
    expect(await count("serviceendpoints")).toBe(0);
    expect(await count("sdkmessageprocessingsteps")).toBe(0);
    // Support's removal holds Real-time off: the scheduler, which follows the (still on) switch, leaves it alone.
    expect(await rt.store.getRegistration(rt.connectionId)).toMatchObject({ registered: false, held: true });
    await rt.host.runTimer("syncScheduler");
    expect(await count("sdkmessageprocessingsteps")).toBe(0);
    const before = rt.sandbox.dataverse.webhooks.deliveries.length;
    await rt.flipAddToXero(await rt.createInvoice(`RTX-${Date.now()}`));
    await rt.sandbox.dataverse.webhooks.idle();
    expect(rt.sandbox.dataverse.webhooks.deliveries.length).toBe(before);
    expect(() => parseWebhookArgs(["explode"])).toThrow(RangeError);
  }, 60_000);

  it("the host's scheduler follows the Real-time switch: off removes the steps, on registers them again", async () => {
    const config = loadConfig(rt.env);
    // `sync` hands the connection back to the switch (the previous test held it off).
    expect(await runWebhooks(parseWebhookArgs([]), config, () => undefined)).toBe(0);
    const steps = async () =>
      (await rt.client.retrieveMultiple<Row>("sdkmessageprocessingsteps", { select: ["name"] })).filter((row) =>
        String(row["name"]).startsWith("Xero Connector real-time"),
      ).length;
    expect(await steps()).toBe(2);
    const setSwitch = (enabled: boolean) =>
      rt.client.update(mag_xeroconnector.entitySetName, rt.connectorId, {
        [mag_xeroconnector.columns.mag_realtimeenabled]: enabled,
      });
    // A run that finds another writer's claim leaves the work to the next one, hence the repeat.
    const schedulerUntil = (what: string, count: number) =>
      rt.waitFor(what, async () => {
        await rt.host.runTimer("syncScheduler");
        return (await steps()) === count ? true : undefined;
      });

    await setSwitch(false);
    await schedulerUntil("the scheduler to remove the steps", 0);
    expect(await rt.store.getRegistration(rt.connectionId)).toMatchObject({ registered: false });
    await setSwitch(true);
    await schedulerUntil("the scheduler to register the steps", 2);
    expect(await rt.store.getRegistration(rt.connectionId)).toMatchObject({ registered: true });
  }, 60_000);
});
