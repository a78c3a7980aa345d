// The real-time add-on end to end on the sandbox, through the local Functions host: webhooks registered in the
// Dataverse emulator, deliveries to the service's HTTP triggers, the sync-work queue, the same flows as the timed runs.
import { createStorageWorkQueue, toWorkMessage } from "../../src/adapters/queue/work-queue";
import { invoice } from "../../src/generated/dataverse";
import { startRealtimeSandbox, type RealtimeSandbox } from "./harness";

type Row = Record<string, unknown>;

describe("real-time add-on on the sandbox", () => {
  let rt: RealtimeSandbox;
  beforeAll(async () => {
    // Short queue delays keep retries quick; the semantics (base64, retries, poison after five) stay the host's.
    rt = await startRealtimeSandbox({ hostSettings: { queues: { visibilityTimeoutMs: 200, maxPollingIntervalMs: 250 } } });
  }, 180_000);
  afterAll(async () => {
    await rt?.stop();
  });

  const xeroInvoicesNumbered = (number: string) => [...rt.sandbox.xero.store.tenant(rt.sandbox.endpoints.xeroTenantId).invoices.values()].filter((candidate) => candidate.InvoiceNumber === number);
  const readInvoice = (id: string) => rt.client.retrieve<Row>(invoice.entitySetName, id, { select: [invoice.columns.mag_synchedwithxero, invoice.columns.mag_xeroid, invoice.columns.mag_xerosyncstatus] });

  it("registers the webhook and its steps idempotently, and Xero's subscription passed intent to receive", async () => {
    expect(rt.intentToReceive).toBe(true);
    expect(rt.registration.action).toBe("registered");
    const steps = await rt.client.retrieveMultiple<Row>("sdkmessageprocessingsteps", { select: ["name", "stage", "mode", "filteringattributes"] });
    const ours = steps.filter((step) => String(step["name"]).startsWith("Xero Connector real-time"));
    expect(ours.map((step) => [step["stage"], step["mode"]])).toStrictEqual([
      [40, 1],
      [40, 1],
    ]);
    expect(ours.map((step) => step["filteringattributes"])).toStrictEqual(["mag_addtoxero,mag_xerosyncstatus", "mag_addtoxero,mag_xerosyncstatus"]);
  });

  it("a flip of Add to Xero makes exactly one Xero invoice, delivered twice while the timed flow runs", async () => {
    const number = `RT-${Date.now()}`;
    const id = await rt.createInvoice(number);
    // A second step on the same endpoint makes Dataverse deliver the same event twice.
    const [step] = await rt.client.retrieveMultiple<Row>("sdkmessageprocessingsteps", { select: ["sdkmessageprocessingstepid", "_sdkmessageid_value", "_sdkmessagefilterid_value", "_eventhandler_value"], filter: undefined as never, top: 1 });
    expect(step).toBeDefined();
    const queue = createStorageWorkQueue({ connectionString: rt.sandbox.azurite.connectionString });
    await Promise.all([
      rt.flipAddToXero(id),
      // The timed flow at the same moment.
      queue.enqueue(toWorkMessage({ now: () => Date.now() }, { connectionId: rt.connectionId, flow: "InvoicesToXero", reason: "schedule", correlationId: `timed-${number}` })),
    ]);
    const synced = await rt.waitFor("the write-back", async () => {
      const row = await readInvoice(id);
      return row?.[invoice.columns.mag_synchedwithxero] === true ? row : undefined;
    });
    await rt.sandbox.dataverse.webhooks.idle();
    await rt.host.waitForIdle({ timeoutMs: 30_000 });
    const inXero = xeroInvoicesNumbered(number);
    expect(inXero).toHaveLength(1);
    expect(synced[invoice.columns.mag_xeroid]).toBe(inXero[0]?.InvoiceID);
  }, 60_000);
});
