// `npm run bench`: the service's figures measured on the sandbox (in-process Dataverse and Xero emulators, Azurite),
// with one manual clock so waits for Xero's minute window cost no real time. Prints a readable table, then as the
// LAST line one JSON object. Sections are small functions that add figures; other areas add theirs by dropping a
// module in scripts/bench-sections/ that exports `benchSection: BenchSection` (run after the built-in ones, on the
// same sandbox).
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createDataverseClient } from "../azure-functions/src/adapters/dataverse/web-api-client";
import {
  fromQueueMessageText,
  openQueue,
  syncWorkQueueName,
  toWorkMessage,
} from "../azure-functions/src/adapters/queue/work-queue";
import { fromTokenResponse } from "../azure-functions/src/adapters/table-storage/xero-token-endpoint";
import { createRateGovernor } from "../azure-functions/src/adapters/table-storage/rate-governor";
import { openTable, ensureTable, tableNames } from "../azure-functions/src/adapters/table-storage/tables";
import { createMemoryRateGate } from "../azure-functions/src/adapters/xero/rate-gate";
import { XeroNodeAdapter, type XeroCallRecord } from "../azure-functions/src/adapters/xero/xero-node-adapter";
import { createService, type Service } from "../azure-functions/src/composition";
import { loadConfig } from "../azure-functions/src/config";
import { ManualClock } from "../azure-functions/src/core/clock";
import { silentLogger } from "../azure-functions/src/core/logger";
import type { Sleep } from "../azure-functions/src/core/retry";
import { createMemoryPushJournal } from "../azure-functions/src/engine/push-journal";
import type { CommitResult, RunScope, SyncStore, WriteBack } from "../azure-functions/src/flows/ports";
import { PushInvoicesFlow } from "../azure-functions/src/flows/push-invoices";
import type { Plain } from "../azure-functions/src/mapping/engine";
import {
  account,
  invoice,
  invoicedetail,
  mag_flow,
  mag_direction,
  mag_taxrate,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerostatus,
} from "../azure-functions/src/generated/dataverse";
import { column, filter, toStringLiteral } from "../azure-functions/src/adapters/dataverse/odata";
import { startAzurite, type Azurite } from "../sandbox/src/azurite";
import {
  startDataverseEmulator,
  type DataverseEmulator,
  type DataverseOrganisation,
  type DemoSeed,
} from "../sandbox/src/dataverse";
import { startXeroEmulator, type XeroEmulator } from "../sandbox/src/xero";

/** What every section gets: the running sandbox and the service composed over it. */
export interface BenchContext {
  clock: ManualClock;
  sleep: Sleep;
  xero: XeroEmulator;
  dataverse: DataverseEmulator;
  azurite: Azurite;
  org: DataverseOrganisation;
  seed: DemoSeed;
  tenantId: string;
  connectorId: string;
  connectionId: string;
  service: Service;
  /** Xero calls the service made so far (every call, with its operation). */
  xeroCalls: XeroCallRecord[];
  /** When each Dataverse $batch request was sent (the write-backs), drained by whoever counts them. */
  dataverseBatches: number[];
  /** Rows for the readable table. */
  report(label: string, value: string): void;
}

export interface BenchSection {
  name: string;
  run(context: BenchContext): Promise<Record<string, number>>;
}

const customers = 100;
const invoicesPerRun = 500;

function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function createCustomers(context: BenchContext): Promise<string[]> {
  const client = context.service.contextFor(await context.service.connections.require(context.connectionId)).dataverse;
  const ids = Array.from({ length: customers }, () => randomUUID());
  await client.executeBatch(
    ids.map((id, index) => ({
      method: "POST" as const,
      path: account.entitySetName,
      body: {
        [account.columns.accountid]: id,
        [account.columns.name]: `Bench Customer ${String(index + 1).padStart(3, "0")}`,
        [account.columns.accountnumber]: `BENCH-${String(index + 1).padStart(3, "0")}`,
        [account.columns.emailaddress1]: `billing${index + 1}@bench.example`,
        [account.columns.telephone1]: "+64 9 555 0100",
        [account.columns.address1_line1]: `${index + 1} Queen Street`,
        [account.columns.address1_city]: "Auckland",
        [account.columns.address1_country]: "New Zealand",
      },
    })),
  );
  return ids;
}

/** 500 new invoices (Add to Xero = Yes, one product line each) spread over the customers, written in $batches. */
async function createInvoices(context: BenchContext, customerIds: readonly string[], prefix: string): Promise<void> {
  const client = context.service.contextFor(await context.service.connections.require(context.connectionId)).dataverse;
  const operations = [];
  for (let index = 0; index < invoicesPerRun; index++) {
    const id = randomUUID();
    operations.push({
      method: "POST" as const,
      path: invoice.entitySetName,
      body: {
        [invoice.columns.invoiceid]: id,
        [invoice.columns.name]: `${prefix}-${index + 1}`,
        [invoice.columns.invoicenumber]: `${prefix}-${String(index + 1).padStart(4, "0")}`,
        [invoice.columns.mag_addtoxero]: true,
        [`${invoice.navigation.customerid.account}@odata.bind`]: `/${account.entitySetName}(${customerIds[index % customerIds.length]})`,
        [`${invoice.navigation.pricelevelid.pricelevel}@odata.bind`]: `/pricelevels(${context.seed.priceLists.NZD})`,
        [`${invoice.navigation.transactioncurrencyid.transactioncurrency}@odata.bind`]: `/transactioncurrencies(${context.seed.currencies.NZD})`,
      },
    });
    operations.push({
      method: "POST" as const,
      path: invoicedetail.entitySetName,
      body: {
        [invoicedetail.columns.lineitemnumber]: 1,
        [invoicedetail.columns.quantity]: 1 + (index % 5),
        [invoicedetail.columns.isproductoverridden]: false,
        [invoicedetail.columns.tax]: 3.75,
        [`${invoicedetail.navigation.invoiceid.invoice}@odata.bind`]: `/${invoice.entitySetName}(${id})`,
        [`${invoicedetail.navigation.productid.product}@odata.bind`]: `/products(${context.seed.products["WIDGET-100"]})`,
        [`${invoicedetail.navigation.uomid.uom}@odata.bind`]: `/uoms(${context.seed.unitId})`,
      },
    });
  }
  const results = await client.executeBatch(operations);
  const failed = results.filter((result) => result.status >= 300);
  if (failed.length > 0)
    throw new Error(`${failed.length} test rows were not created: ${JSON.stringify(failed[0]?.body)}`);
}

/** The admin's settings on the connector: default account code and tax rate (from the reference data just synced). */
async function setConnectorDefaults(context: BenchContext, code: string, taxType: string): Promise<void> {
  const client = context.service.contextFor(await context.service.connections.require(context.connectionId)).dataverse;
  const [accountCode] = await client.retrieveMultiple<Plain>(mag_xeroaccountcode.entitySetName, {
    select: [mag_xeroaccountcode.columns.mag_xeroaccountcodeid],
    filter: filter`${column(mag_xeroaccountcode.columns.mag_code)} eq ${toStringLiteral(code)}`,
  });
  const [taxRate] = await client.retrieveMultiple<Plain>(mag_taxrate.entitySetName, {
    select: [mag_taxrate.columns.mag_taxrateid],
    filter: filter`${column(mag_taxrate.columns.mag_taxtype)} eq ${toStringLiteral(taxType)}`,
  });
  if (accountCode === undefined || taxRate === undefined)
    throw new Error("the reference data did not arrive in Dataverse");
  await client.update(mag_xeroconnector.entitySetName, context.connectorId, {
    [`${mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode}@odata.bind`]: `/${mag_xeroaccountcode.entitySetName}(${String(accountCode[mag_xeroaccountcode.columns.mag_xeroaccountcodeid])})`,
    [`${mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate}@odata.bind`]: `/${mag_taxrate.entitySetName}(${String(taxRate[mag_taxrate.columns.mag_taxrateid])})`,
  });
}

/** The timer's fan-out, then every queued message handled by the worker (as the queue trigger would). */
async function runCycle(context: BenchContext): Promise<void> {
  await context.service.scheduler.run();
  const queue = openQueue(context.azurite.connectionString, syncWorkQueueName);
  for (;;) {
    const received = await queue.receiveMessages({ numberOfMessages: 32 });
    if (received.receivedMessageItems.length === 0) break;
    for (const item of received.receivedMessageItems) {
      await context.service.worker.handle(fromQueueMessageText(item.messageText));
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

async function pushInvoicesNow(context: BenchContext): Promise<void> {
  await context.service.worker.handle(
    toWorkMessage(context.clock, {
      connectionId: context.connectionId,
      flow: "InvoicesToXero",
      reason: "sync-now",
      correlationId: randomUUID(),
    }),
  );
}

const pushSection: BenchSection = {
  name: "Invoices: Dynamics 365 → Xero",
  async run(context) {
    const dataverseRequests = () => context.dataverse.requestCount(context.org);
    const figures: Record<string, number> = {};
    // Warm reference data and the scheduler's scopes (a first cycle; the reference-data flow runs, nothing to push).
    await runCycle(context);
    await setConnectorDefaults(context, "200", "OUTPUT2");
    const customerIds = await createCustomers(context);

    // One measured push: Xero calls, the write-back $batch requests (the target) and the reads beside them.
    const measure = async (label: string, push: () => Promise<void>) => {
      const calls = context.xeroCalls.length;
      const requests = dataverseRequests();
      context.dataverseBatches.length = 0;
      await push();
      const made = context.xeroCalls.slice(calls);
      const writeBack = context.dataverseBatches.splice(0).length;
      const reads = dataverseRequests() - requests - writeBack;
      context.report(`${label}: Xero calls`, `${made.length} (${summarise(made) || "none"})`);
      context.report(`${label}: Dataverse write-back requests ($batch)`, String(writeBack));
      context.report(`${label}: Dataverse reads`, String(reads));
      return { xeroCalls: made.length, writeBack, reads };
    };

    // Drafts, through the timer's fan-out and the queue worker.
    await createInvoices(context, customerIds, "DRAFT");
    context.clock.advance(15 * 60_000);
    const drafts = await measure("draft push (500)", () => runCycle(context));
    figures["xeroCallsPerInvoice"] = round(drafts.xeroCalls / invoicesPerRun, 4);
    // The target (≤ 5 for 500 invoices) is on the write-back; reads are reported beside it.
    figures["dataverseRequests"] = drafts.writeBack;
    figures["dataverseReadRequests"] = drafts.reads;

    // Approved, with pay-now links (Xero serves online invoice URLs one invoice per call).
    const dataverse = context.service.contextFor(
      await context.service.connections.require(context.connectionId),
    ).dataverse;
    await dataverse.update(mag_xeroconnector.entitySetName, context.connectorId, {
      [mag_xeroconnector.columns.mag_autoapproveinvoices]: true,
    });
    await createInvoices(context, customerIds, "APPR");
    const approved = await measure("approved push (500)", () => pushInvoicesNow(context));
    figures["xeroCallsPerInvoiceApproved"] = round(approved.xeroCalls / invoicesPerRun, 4);
    figures["dataverseRequestsApproved"] = approved.writeBack;

    // The idle cycle: nothing pending.
    const idle = await measure("idle push cycle", () => pushInvoicesNow(context));
    figures["idleCycleXeroCalls"] = idle.xeroCalls;
    figures["idleCycleDataverseRequests"] = idle.writeBack + idle.reads;
    return figures;
  },
};

/**
 * Capacity per organisation per day, confirmed by a simulated day: Xero's limits scaled down 1:50 (100 calls a day,
 * 60 a minute) in a separate emulator on the manual clock, a push every 15 minutes of invoices as fast as customers
 * raise them (600 a cycle, 100 customers), until the day's budget is spent; the invoices Xero accepted that day × 50.
 */
const capacitySection: BenchSection = {
  name: "Capacity (simulated day)",
  async run(context) {
    const scale = 50;
    const perDay = 5000 / scale;
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 0, 0, 0));
    const sleep: Sleep = (ms) => Promise.resolve(clock.advance(Math.max(0, ms)));
    const xero = await startXeroEmulator({ port: 0, clock, limits: { perDay } });
    try {
      const { tenantId } = xero.createOrganisation({ name: "Capacity Ltd" });
      const gate = createMemoryRateGate({ clock, sleep, limits: { concurrent: 5, perMinute: 60, perDay } });
      const calls: XeroCallRecord[] = [];
      let token = { value: "", at: -Infinity };
      const port = new XeroNodeAdapter({
        tenantId,
        apiUrl: xero.apiUrl,
        accessToken: () => {
          if (clock.now() - token.at > 20 * 60_000)
            token = { value: xero.issueTokenSet({ tenantIds: [tenantId] }).access_token ?? "", at: clock.now() };
          return Promise.resolve(token.value);
        },
        gate,
        clock,
        onCall: (call) => calls.push(call),
      });
      const store = new SyntheticStore();
      const flow = new PushInvoicesFlow(
        { store, journal: createMemoryPushJournal(), clock, sleep, logger: silentLogger, xero: port },
        { pageSize: 500, maxPages: 10, maxAttempts: 1 },
      );
      const dayEnds = clock.now() + 86_400_000;
      const scope: RunScope = {
        connectionId: "capacity",
        connectorId: store.connectorId,
        isDefaultConnector: true,
        flow: "InvoicesToXero",
        modifiedSince: new Date(0),
        correlationId: "capacity",
      };
      while (clock.now() < dayEnds) {
        store.raise(600);
        await flow.run(scope);
        clock.setTime(Math.max(clock.now(), Math.ceil((clock.now() + 1) / (15 * 60_000)) * 15 * 60_000));
      }
      const accepted = store.synced;
      const capacity = accepted * scale;
      context.report(
        "simulated day (limits ÷ 50)",
        `${accepted} invoices in ${calls.length} Xero calls (${perDay} allowed) → ${capacity} a day at full limits`,
      );
      return {
        invoicesPerDayCapacity: capacity,
        invoicesPerDayCapacityFromRatio: Math.floor(5000 / Math.max(1e-9, calls.length / Math.max(1, accepted))),
      };
    } finally {
      await xero.stop();
    }
  },
};

/** An in-memory Dynamics 365 for the simulated day: invoices raised on demand, written back to memory. */
class SyntheticStore implements SyncStore {
  readonly connectorId = randomUUID();
  private readonly customerIds = Array.from({ length: customers }, () => randomUUID());
  private readonly contactIds = new Map<string, string>();
  private pending: Plain[] = [];
  private raised = 0;
  synced = 0;

  raise(count: number): void {
    for (let index = 0; index < count; index++) {
      this.raised += 1;
      this.pending.push({
        invoiceid: randomUUID(),
        invoicenumber: `DAY-${String(this.raised).padStart(6, "0")}`,
        mag_xeropushattempt: 0,
        customerid: { logicalName: "account", id: this.customerIds[this.raised % customers] },
        transactioncurrencyid: { isocurrencycode: "NZD" },
        invoice_details: [
          {
            invoicedetailid: randomUUID(),
            quantity: 1,
            priceperunit: 25,
            tax: 3.75,
            productdescription: "Widget",
            mag_InvoiceDetail_TrackingOption: [],
          },
        ],
      });
    }
  }

  selectInvoicesToPush(_scope: RunScope, top: number): Promise<Plain[]> {
    return Promise.resolve(this.pending.slice(0, top));
  }

  loadConnector() {
    return Promise.resolve({
      connectorId: this.connectorId,
      xeroTenantId: "capacity",
      enabled: true,
      isDefault: true,
      autoApproveInvoices: false,
      markInvoicesAsSent: false,
      defaultAccountCode: "200",
      defaultTaxType: "OUTPUT2",
    });
  }

  loadCustomers(refs: readonly { dynamicsId: string }[]): Promise<Plain[]> {
    const rows = refs.map((ref) => ({
      accountid: ref.dynamicsId,
      name: `Day Customer ${ref.dynamicsId.slice(0, 8)}`,
      accountnumber: `DAY-${ref.dynamicsId.slice(0, 8)}`,
      ...(this.contactIds.has(ref.dynamicsId) ? { mag_xerocontactid: this.contactIds.get(ref.dynamicsId) } : {}),
    }));
    return Promise.resolve(rows);
  }

  selectCreditNotesToPush(): Promise<Plain[]> {
    return Promise.resolve([]);
  }

  selectInvoiceEmailsToSend(): Promise<Plain[]> {
    return Promise.resolve([]);
  }

  selectProducts(): Promise<Plain[]> {
    return Promise.resolve([]);
  }

  saveReferenceData(): Promise<number> {
    return Promise.resolve(0);
  }

  commit(writeBack: WriteBack): Promise<CommitResult> {
    const settled = new Set<string>();
    for (const outcome of writeBack.records) {
      if (outcome.kind === "synced") this.synced += 1;
      if (outcome.kind !== "retrying") settled.add(outcome.id);
    }
    for (const link of writeBack.customers) this.contactIds.set(link.ref.dynamicsId, link.xeroContactId);
    this.pending = this.pending.filter((row) => !settled.has(String(row["invoiceid"])));
    return Promise.resolve({ failedRecordIds: [] });
  }
}

function summarise(calls: readonly XeroCallRecord[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  return [...counts].map(([operation, count]) => `${operation} ${count}`).join(", ");
}

function round(value: number, places: number): number {
  return Math.round(value * 10 ** places) / 10 ** places;
}

function loadExtraSections(): BenchSection[] {
  const folder = join(__dirname, "bench-sections");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts"))
    .sort()
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(join(folder, file)) as { benchSection?: BenchSection };
      if (loaded.benchSection === undefined) throw new Error(`${file} exports no benchSection`);
      return loaded.benchSection;
    });
}

async function startBenchSandbox(rows: [string, string][]): Promise<BenchContext & { stop(): Promise<void> }> {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 8, 0, 0));
  const sleep: Sleep = (ms) => Promise.resolve(clock.advance(Math.max(0, ms)));
  const [azurite, xero, dataverse] = await Promise.all([
    startAzurite(),
    startXeroEmulator({ port: 0, clock }),
    startDataverseEmulator({ port: 0, clock }),
  ]);
  const org = dataverse.createOrganisation("bench");
  const seed = dataverse.seedDemo(org);
  const { tenantId } = xero.createOrganisation({ name: "Bench Company (NZ)" });
  const app = xero.registerApp({
    name: "Xero Connector (bench)",
    kind: "web",
    redirectUris: ["http://127.0.0.1/xero/callback"],
  });
  const config = loadConfig({
    AzureWebJobsStorage: azurite.connectionString,
    XC_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    XC_LINK_SIGNING_KEY: randomBytes(32).toString("hex"),
    XERO_CLIENT_ID: app.clientId,
    XERO_CLIENT_SECRET: app.clientSecret ?? "",
    XERO_IDENTITY_URL: xero.identityUrl,
    XERO_LOGIN_URL: xero.identityUrl,
    XERO_API_URL: xero.apiUrl,
    XERO_CONNECTIONS_URL: xero.connectionsUrl,
    DATAVERSE_AUTHORITY_URL: dataverse.url,
  });
  const xeroCalls: XeroCallRecord[] = [];
  const dataverseBatches: number[] = [];
  // The shared Table Storage governor, as in production, waiting on the manual clock.
  const rateTable = openTable(azurite.connectionString, tableNames.rateBudget);
  await ensureTable(rateTable);
  const gate = createRateGovernor({
    table: rateTable,
    clock,
    sleep,
    limits: config.xero.limits,
    maxWaitMs: 120_000,
    pollIntervalMs: 5,
  });
  const countingFetch: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith("/$batch")) dataverseBatches.push(clock.now());
    return fetch(input, init);
  };
  const service = await createService(config, {
    clock,
    sleep,
    gate,
    fetch: countingFetch,
    onXeroCall: (call) => xeroCalls.push(call),
  });
  const client = createDataverseClient(
    { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
    { authorityUrl: dataverse.url, clock, sleep },
  );
  const connectorId = await client.create(mag_xeroconnector.entitySetName, {
    [mag_xeroconnector.columns.mag_name]: "Bench Company (NZ)",
    [mag_xeroconnector.columns.mag_xerotenantid]: tenantId,
    [mag_xeroconnector.columns.mag_enabled]: true,
    [mag_xeroconnector.columns.mag_isdefault]: true,
    [mag_xeroconnector.columns.mag_xerostatus]: mag_xerostatus.Connected,
  });
  for (const [flow, direction, interval] of [
    ["InvoicesToXero", mag_direction.DynamicsToXero, 15],
    ["ReferenceData", mag_direction.XeroToDynamics, 60],
  ] as const) {
    await client.create(mag_xerodataflow.entitySetName, {
      [mag_xerodataflow.columns.mag_name]: flow,
      [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${connectorId})`,
      [mag_xerodataflow.columns.mag_flow]: mag_flow[flow],
      [mag_xerodataflow.columns.mag_direction]: direction,
      [mag_xerodataflow.columns.mag_enabled]: true,
      [mag_xerodataflow.columns.mag_intervalminutes]: interval,
      [mag_xerodataflow.columns.mag_synclastxdays]: 7,
    });
  }
  const connection = await service.connections.create({
    dataverse: { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
    xero: { tenantId, tenantName: "Bench Company (NZ)" },
    connectorId,
  });
  await service.connections.markConnected(connection.id);
  const issued = xero.issueTokenSet({ tenantIds: [tenantId], clientId: app.clientId });
  await service.vault.storeGrant(
    connection.id,
    fromTokenResponse(
      {
        access_token: issued.access_token ?? "",
        refresh_token: issued.refresh_token ?? "",
        expires_in: 1800,
        token_type: "Bearer",
        scope: issued.scope ?? "",
      },
      clock.now(),
    ),
  );
  return {
    clock,
    sleep,
    xero,
    dataverse,
    azurite,
    org,
    seed,
    tenantId,
    connectorId,
    connectionId: connection.id,
    service,
    xeroCalls,
    dataverseBatches,
    report: (label, value) => rows.push([label, value]),
    stop: async () => {
      await Promise.allSettled([xero.stop(), dataverse.stop(), azurite.stop()]);
    },
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const rows: [string, string][] = [];
  const figures: Record<string, number> = {};
  const context = await startBenchSandbox(rows);
  try {
    // BENCH_ONLY=push,capacity runs only the sections whose names start with those words (case-insensitive).
    const only = (process.env["BENCH_ONLY"] ?? "")
      .split(",")
      .map((word) => word.trim().toLowerCase())
      .filter((word) => word !== "");
    const sections = [pushSection, capacitySection, ...loadExtraSections()].filter(
      (section) => only.length === 0 || only.some((word) => section.name.toLowerCase().startsWith(word)),
    );
    for (const section of sections) {
      note(`bench: ${section.name}…`);
      Object.assign(figures, await section.run(context));
    }
  } finally {
    await context.stop();
  }
  const cpu = process.cpuUsage(cpuStart);
  figures["wallMs"] = Math.round(performance.now() - started);
  figures["cpuMs"] = Math.round((cpu.user + cpu.system) / 1000);
  const width = Math.max(...rows.map(([label]) => label.length), 10);
  process.stdout.write(`\n${"measure".padEnd(width)}  value\n${"-".repeat(width)}  -----\n`);
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
  for (const [name, value] of Object.entries(figures)) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
