// The real-time path end to end on the sandbox: Azurite, the Dataverse and Xero emulators, and the service's own
// function table in the local Functions host (the real host's queue semantics), with the demo connection seeded, the
// connector's defaults set from Xero's reference data, the add-on switched on and its webhooks registered through the
// Web API, and Xero's webhook subscription pointed at the service (intent to receive passed). Used by the end-to-end
// tests and by `npm run bench` (scripts/bench-sections/realtime.ts).
import { randomUUID } from "node:crypto";
import { QueueClient } from "@azure/storage-queue";
import { createDataverseClient, type DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import { ensureTable, openTable } from "../../src/adapters/table-storage/tables";
import { createFunctionTable } from "../../src/functions";
import {
  account,
  invoice,
  invoicedetail,
  mag_taxrate,
  mag_xeroaccountcode,
  mag_xeroconnector,
} from "../../src/generated/dataverse";
import { createTableRealtimeStore, realtimeTableName, type RealtimeStore } from "../../src/realtime/realtime-store";
import {
  syncRealtimeRegistration,
  withRegistrationClaim,
  type RealtimeSyncResult,
} from "../../src/realtime/registration";
import { xeroWebhookRoutes } from "../../src/functions/xero-webhook";
import { seedDemoConnection } from "../../../scripts/start";
import { newServiceSecrets, startSandbox, toServiceEnvironment, type Sandbox } from "../../../sandbox/src";
import {
  startFunctionsHost,
  type FunctionsHost,
  type HostLogger,
  type HostSettingsOverrides,
} from "../../../sandbox/src/functions-host";

export interface RealtimeSandbox {
  sandbox: Sandbox;
  host: FunctionsHost;
  env: Record<string, string>;
  client: DataverseWebApiClient;
  connectorId: string;
  connectionId: string;
  store: RealtimeStore;
  registration: RealtimeSyncResult;
  intentToReceive: boolean;
  accountId: string;
  priceListId: string;
  currencyId: string;
  /** A new invoice with one write-in line; Add to Xero off unless asked. */
  createInvoice(number: string, options?: { addToXero?: boolean }): Promise<string>;
  /** Sets Add to Xero through the Web API (what a user's save does). */
  flipAddToXero(invoiceId: string): Promise<void>;
  /** Messages waiting in sync-work and sync-work-poison. */
  queueDepth(): Promise<{ work: number; poison: number }>;
  /** Polls until `check` holds (real time: the host runs on its own). */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const freePorts = {
  dataverse: 0,
  xero: 0,
  xeroIdentity: 0,
  azuriteBlob: 0,
  azuriteQueue: 0,
  azuriteTable: 0,
  functions: 0,
};

type Row = Record<string, unknown>;

export async function startRealtimeSandbox(
  options: { hostSettings?: HostSettingsOverrides; hostLogger?: HostLogger } = {},
): Promise<RealtimeSandbox> {
  // The emulators and Azurite; the service runs in a host of our own so tests can shorten the queue's delays.
  const sandbox = await startSandbox({ ports: freePorts, withService: false, endpointsFile: false, env: {} });
  const stops: Array<() => Promise<void>> = [() => sandbox.stop()];
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const functionsUrl = `http://127.0.0.1:${sandbox.ports.functions}`;
    const env = toServiceEnvironment({
      storageConnectionString: sandbox.azurite.connectionString,
      functionsUrl,
      xero: {
        identityUrl: sandbox.xero.identityUrl,
        apiUrl: sandbox.xero.apiUrl,
        connectionsUrl: sandbox.xero.connectionsUrl,
        clientId: sandbox.endpoints.xeroClientId,
        clientSecret: sandbox.endpoints.xeroClientSecret,
        webhookKey: sandbox.xero.webhooks.signingKey,
      },
      dataverseAuthorityUrl: sandbox.dataverse.url,
      secrets: newServiceSecrets(),
    });
    const host = await startFunctionsHost({
      table: createFunctionTable(env),
      port: sandbox.ports.functions,
      env,
      storageConnectionString: sandbox.azurite.connectionString,
      ...(options.hostSettings === undefined ? {} : { settings: options.hostSettings }),
      ...(options.hostLogger === undefined ? {} : { logger: options.hostLogger }),
    });
    stops.push(() => host.stop());
    // As in Xero's developer portal: the delivery URL must pass intent to receive before events flow.
    const sender = sandbox.xero.webhooks.configure({ url: `${host.apiUrl}/${xeroWebhookRoutes.primary}` });
    const intentToReceive = (await sender.intentToReceive()).ok;

    const seeded = await seedDemoConnection({ ...sandbox, host, serviceEnv: env });
    const { endpoints } = sandbox;
    const client = createDataverseClient(
      {
        url: endpoints.dataverseUrl,
        tenantId: endpoints.dataverseTenantId,
        clientId: endpoints.dataverseClientId,
        clientSecret: endpoints.dataverseClientSecret,
      },
      { authorityUrl: endpoints.dataverseHostUrl },
    );

    // Reference data first (the timer's first run queues it with the other due flows), then the connector's defaults.
    await host.runTimer("syncScheduler");
    await host.waitForIdle({ timeoutMs: 60_000 });
    const codes = await client.retrieveMultiple<Row>(mag_xeroaccountcode.entitySetName, {
      select: [mag_xeroaccountcode.columns.mag_xeroaccountcodeid, mag_xeroaccountcode.columns.mag_code],
    });
    const rates = await client.retrieveMultiple<Row>(mag_taxrate.entitySetName, {
      select: [mag_taxrate.columns.mag_taxrateid, mag_taxrate.columns.mag_taxtype],
    });
    const code = codes.find((row) => row[mag_xeroaccountcode.columns.mag_code] === "200")?.[
      mag_xeroaccountcode.columns.mag_xeroaccountcodeid
    ];
    const rate = rates.find((row) => row[mag_taxrate.columns.mag_taxtype] === "OUTPUT2")?.[
      mag_taxrate.columns.mag_taxrateid
    ];
    if (typeof code !== "string" || typeof rate !== "string")
      throw new Error("reference data did not arrive from Xero");
    await client.update(mag_xeroconnector.entitySetName, seeded.connectorId, {
      [`${mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode}@odata.bind`]: `/${mag_xeroaccountcode.entitySetName}(${code})`,
      [`${mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate}@odata.bind`]: `/${mag_taxrate.entitySetName}(${rate})`,
      [mag_xeroconnector.columns.mag_autoapproveinvoices]: true,
      [mag_xeroconnector.columns.mag_realtimeenabled]: true,
    });

    const table = openTable(sandbox.azurite.connectionString, realtimeTableName);
    await ensureTable(table);
    const store = createTableRealtimeStore(table, { now: () => Date.now() });
    // As the connection's one registration writer: the host's scheduler timer follows the switch too.
    const claimed = await withRegistrationClaim(
      store,
      seeded.connectionId,
      () =>
        syncRealtimeRegistration(
          client,
          { id: seeded.connectionId, connectorId: seeded.connectorId },
          { publicBaseUrl: functionsUrl, keySecret: env["XC_LINK_SIGNING_KEY"] ?? "", store },
        ),
      { wait: true },
    );
    if (!claimed.ran) throw new Error("the real-time registration claim was not granted");
    const registration = claimed.value;

    const [firstAccount] = await client.retrieveMultiple<Row>(account.entitySetName, {
      select: [account.columns.accountid],
      top: 1,
      orderBy: [`${account.columns.name} asc`],
    });
    const [priceList] = await client.retrieveMultiple<Row>("pricelevels", {
      select: ["pricelevelid", "_transactioncurrencyid_value"],
      top: 1,
      orderBy: ["name asc"],
    });
    const accountId = String(firstAccount?.[account.columns.accountid]);
    const priceListId = String(priceList?.["pricelevelid"]);
    const currencyId = String(priceList?.["_transactioncurrencyid_value"]);

    const queues = {
      work: new QueueClient(sandbox.azurite.connectionString, "sync-work"),
      poison: new QueueClient(sandbox.azurite.connectionString, "sync-work-poison"),
    };
    const depth = async (queue: QueueClient): Promise<number> =>
      (await queue.exists()) ? ((await queue.getProperties()).approximateMessagesCount ?? 0) : 0;

    return {
      sandbox,
      host,
      env,
      client,
      connectorId: seeded.connectorId,
      connectionId: seeded.connectionId,
      store,
      registration,
      intentToReceive,
      accountId,
      priceListId,
      currencyId,
      async createInvoice(number, invoiceOptions = {}) {
        const id = randomUUID();
        await client.executeBatch([
          {
            method: "POST",
            path: invoice.entitySetName,
            body: {
              [invoice.columns.invoiceid]: id,
              [invoice.columns.name]: number,
              [invoice.columns.invoicenumber]: number,
              [invoice.columns.mag_addtoxero]: invoiceOptions.addToXero === true,
              [`${invoice.navigation.customerid.account}@odata.bind`]: `/${account.entitySetName}(${accountId})`,
              [`${invoice.navigation.pricelevelid.pricelevel}@odata.bind`]: `/pricelevels(${priceListId})`,
              [`${invoice.navigation.transactioncurrencyid.transactioncurrency}@odata.bind`]: `/transactioncurrencies(${currencyId})`,
            },
          },
          {
            method: "POST",
            path: invoicedetail.entitySetName,
            body: {
              [invoicedetail.columns.lineitemnumber]: 1,
              [invoicedetail.columns.quantity]: 2,
              [invoicedetail.columns.isproductoverridden]: true,
              [invoicedetail.columns.productdescription]: "Consulting",
              [invoicedetail.columns.priceperunit]: 50,
              [`${invoicedetail.navigation.invoiceid.invoice}@odata.bind`]: `/${invoice.entitySetName}(${id})`,
            },
          },
        ]);
        return id;
      },
      flipAddToXero: (invoiceId) =>
        client.update(invoice.entitySetName, invoiceId, { [invoice.columns.mag_addtoxero]: true }),
      async queueDepth() {
        return { work: await depth(queues.work), poison: await depth(queues.poison) };
      },
      async waitFor(what, check, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const value = await check();
          if (value !== undefined) return value;
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
