// `npm start`: the whole product on the local sandbox. Starts Azurite and the emulators (seeded demo org and Xero
// organisation), runs the service in the local Functions host with its timers sped up, and narrates: which
// functions ran, what each data flow synced, and where to look. Ctrl-C stops everything.
import { relative } from "node:path";
import {
  defaultEndpointsFile,
  demoXeroOrganisationName,
  loadServiceTableFactory,
  portSettings,
  startSandbox,
  type Sandbox,
  type SandboxEndpoints,
} from "../sandbox/src";
import { createNarrator, watchDataFlows } from "../sandbox/src/narrator";
import { fromTokenResponse } from "../azure-functions/src/adapters/table-storage/xero-token-endpoint";
import { createService } from "../azure-functions/src/composition";
import { loadConfig } from "../azure-functions/src/config";
import { createDataverseClient } from "../azure-functions/src/adapters/dataverse/web-api-client";
import { readConnectorFlows } from "../azure-functions/src/engine/data-flows";
import { ensureConnector, ensureDataFlows } from "../azure-functions/src/onboarding/connector-setup";
import {
  mag_flow,
  mag_taxrate,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
} from "../azure-functions/src/generated/dataverse";

/**
 * What an administrator's onboarding leaves behind, done directly for the demo with onboarding's own building blocks:
 * the Xero Connector row and its data flows (PRODUCT.md's defaults) in the demo org, and the service's connection
 * (the demo org's app credentials, a Xero grant for the service's app in the token vault).
 */
export async function seedDemoConnection(
  sandbox: Sandbox,
): Promise<{ connectorId: string; connectionId: string; flows: string[] }> {
  const { endpoints, serviceEnv } = sandbox;
  if (serviceEnv === undefined) throw new Error("the service does not run in this sandbox");
  const credentials = {
    url: endpoints.dataverseUrl,
    tenantId: endpoints.dataverseTenantId,
    clientId: endpoints.dataverseClientId,
    clientSecret: endpoints.dataverseClientSecret,
  };
  const dataverse = createDataverseClient(credentials, { authorityUrl: endpoints.dataverseHostUrl });
  // A grant issued to the service's own app, as the consent screen would, so the vault can refresh it.
  const issued = sandbox.xero.issueTokenSet({ tenantIds: [endpoints.xeroTenantId], clientId: endpoints.xeroClientId });
  if (issued.refresh_token === undefined) throw new Error("the Xero emulator issued no refresh token (offline_access)");
  const grant = fromTokenResponse({ ...issued, refresh_token: issued.refresh_token }, Date.now());
  const connector = await ensureConnector(dataverse, {
    tenantId: endpoints.xeroTenantId,
    tenantName: demoXeroOrganisationName,
    // Xero refresh tokens last 60 days unused: https://developer.xero.com/documentation/guides/oauth2/auth-flow/
    grantExpiresOn: new Date(grant.refreshTokenIssuedAt + 60 * 86_400_000),
  });
  await ensureDataFlows(dataverse, connector.connectorId);
  const flows = (await readConnectorFlows(dataverse, connector.connectorId))?.flows ?? [];

  const service = await createService(loadConfig(serviceEnv));
  const connection = await service.connections.create({
    dataverse: credentials,
    xero: { tenantId: endpoints.xeroTenantId, tenantName: demoXeroOrganisationName },
    connectorId: connector.connectorId,
  });
  await service.vault.storeGrant(connection.id, grant);
  await service.connections.markConnected(connection.id);
  return {
    connectorId: connector.connectorId,
    connectionId: connection.id,
    flows: flows.filter((flow) => flow.enabled).map((flow) => flow.flow),
  };
}

/** Where the endpoints go (`SANDBOX_ENDPOINTS_FILE` moves them, as for `npm run sandbox`). */
const endpointsFile = process.env.SANDBOX_ENDPOINTS_FILE || defaultEndpointsFile;

/** Timer schedules run this much faster than real time (every 15 minutes becomes every 15 seconds). */
const speedUp = Number(process.env.START_SPEEDUP ?? "60");

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Reads one value of the endpoints file in a shell, without jq. */
const fromEndpoints = (key: keyof SandboxEndpoints, file: string): string =>
  `$(node -p "require('${toShellPath(file)}').${key}")`;

/** `./relative/path` below the working directory, the absolute path elsewhere. */
function toShellPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown === "" || shown.startsWith("..") ? file : `./${shown}`;
}

/** How to poke the running product by hand: URLs and curl lines that read credentials from the endpoints file. */
export function toGuideLines(
  endpoints: SandboxEndpoints,
  file: string,
  demo: { invoice?: { id: string; name: string }; connectorId?: string; timerName?: string },
): string[] {
  const dataverseToken = fromEndpoints("dataverseAccessToken", file);
  const auth = `-H "Authorization: Bearer ${dataverseToken}"`;
  const json = `-H "Content-Type: application/json"`;
  const lines = [
    `Endpoints and credentials: ${toShellPath(file)}`,
    `Dataverse demo org:   ${endpoints.dataverseUrl}   Web API ${endpoints.dataverseWebApiUrl}`,
    `Xero API:             ${endpoints.xeroApiUrl}   (tenant ${endpoints.xeroTenantId})`,
    `Xero identity:        ${endpoints.xeroIdentityUrl}/identity/connect/authorize (consent screen)`,
  ];
  if (endpoints.functionsUrl !== undefined) lines.push(`Functions host:       ${endpoints.functionsUrl}/api/…`);
  lines.push("", "List the demo invoices in Dataverse:");
  lines.push(
    `  curl -s "${endpoints.dataverseWebApiUrl}invoices?\\$select=name,mag_addtoxero,mag_xerosyncstatus,mag_xeroid" ${auth}`,
  );
  if (demo.invoice !== undefined) {
    lines.push("", `Flip "Add to Xero" on ${demo.invoice.name}:`);
    lines.push(
      `  curl -s -X PATCH "${endpoints.dataverseWebApiUrl}invoices(${demo.invoice.id})" ${auth} ${json} -d '{"mag_addtoxero": true}'`,
    );
  }
  if (demo.connectorId !== undefined) {
    lines.push("", "Press Sync now on the connector (the scheduler picks it up within a tick):");
    lines.push(
      `  curl -s -X PATCH "${endpoints.dataverseWebApiUrl}${mag_xeroconnector.entitySetName}(${demo.connectorId})" ${auth} ${json} -d "{\\"mag_syncrequestedon\\": \\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\"}"`,
    );
    if (endpoints.functionsUrl !== undefined && demo.timerName !== undefined) {
      lines.push("", `Run the ${demo.timerName} timer now (the host's admin API, master key):`);
      lines.push(
        `  curl -s -X POST "${endpoints.functionsUrl}/admin/functions/${demo.timerName}" -H "x-functions-key: ${fromEndpoints("functionsMasterKey", file)}" ${json} -d '{}'`,
      );
    }
    lines.push("", "The data flows' last runs:");
    lines.push(
      `  curl -s "${endpoints.dataverseWebApiUrl}${mag_xerodataflow.entitySetName}?\\$select=mag_name,mag_lastrunon,mag_lastresult,mag_recordssynced,mag_lastrunmessage" ${auth}`,
    );
  }
  if (endpoints.dataverseAppClientId !== undefined) {
    lines.push("", "Onboard like a customer (a signed link; the Dynamics 365 page offers the Xero Connector app):");
    lines.push("  npm run support -- link --connection new --kind dynamics --expires 1h");
    lines.push("  (Microsoft's sign-in page is the emulator's: pick the org's administrator, then Accept.)");
  }
  lines.push("", "See what Xero holds:");
  lines.push(
    `  curl -s "${endpoints.xeroApiUrl}/Invoices" -H "Authorization: Bearer ${fromEndpoints("xeroAccessToken", file)}" -H "xero-tenant-id: ${endpoints.xeroTenantId}" -H "Accept: application/json"`,
  );
  return lines;
}

/** One Web API call to the demo org with the sandbox's token; the parsed JSON answer (undefined for 204). */
async function dataverse(endpoints: SandboxEndpoints, method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${endpoints.dataverseWebApiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${endpoints.dataverseAccessToken}`,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  return answer.status === 204 ? undefined : answer.json();
}

const valuesOf = (answer: unknown): Array<Record<string, unknown>> =>
  (answer as { value?: Array<Record<string, unknown>> } | undefined)?.value ?? [];

/** Seeded invoices not yet marked "Add to Xero". */
async function findDemoInvoices(endpoints: SandboxEndpoints): Promise<Array<{ id: string; name: string }>> {
  const rows = valuesOf(
    await dataverse(
      endpoints,
      "GET",
      "invoices?$select=invoiceid,name&$filter=mag_addtoxero ne true&$orderby=name&$top=2",
    ),
  );
  return rows.map((row) => ({ id: String(row.invoiceid), name: String(row.name ?? row.invoiceid) }));
}

/**
 * The demo an administrator would click through, once reference data has arrived from Xero: the connector's
 * default account code and tax rate are set, one invoice is marked "Add to Xero", and Sync now is pressed.
 */
async function runDemo(
  sandbox: Sandbox,
  connectorId: string,
  invoice: { id: string; name: string },
  say: (text: string) => void,
  isStopping: () => boolean,
): Promise<void> {
  const endpoints = () => sandbox.endpoints;
  const deadline = Date.now() + 120_000;
  const fc = mag_xerodataflow.columns;
  for (;;) {
    if (isStopping()) return;
    const rows = valuesOf(
      await dataverse(
        endpoints(),
        "GET",
        `${mag_xerodataflow.entitySetName}?$select=${fc.mag_lastrunon}&$filter=${fc.mag_flow} eq ${mag_flow.ReferenceData}`,
      ),
    );
    if (rows.some((row) => row[fc.mag_lastrunon] !== null && row[fc.mag_lastrunon] !== undefined)) break;
    if (Date.now() > deadline) {
      say("Demo: reference data has not arrived from Xero after two minutes; skipping the invoice push.");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const accountCodes = valuesOf(
    await dataverse(
      endpoints(),
      "GET",
      `${mag_xeroaccountcode.entitySetName}?$select=${mag_xeroaccountcode.columns.mag_xeroaccountcodeid}&$filter=${mag_xeroaccountcode.columns.mag_code} eq '200'`,
    ),
  );
  const taxRates = valuesOf(
    await dataverse(
      endpoints(),
      "GET",
      `${mag_taxrate.entitySetName}?$select=${mag_taxrate.columns.mag_taxrateid}&$filter=${mag_taxrate.columns.mag_taxtype} eq 'OUTPUT2'`,
    ),
  );
  const defaults: Record<string, string> = {};
  const accountCodeId = accountCodes[0]?.[mag_xeroaccountcode.columns.mag_xeroaccountcodeid];
  const taxRateId = taxRates[0]?.[mag_taxrate.columns.mag_taxrateid];
  if (typeof accountCodeId === "string") {
    defaults[`${mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode}@odata.bind`] =
      `/${mag_xeroaccountcode.entitySetName}(${accountCodeId})`;
  }
  if (typeof taxRateId === "string") {
    defaults[`${mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate}@odata.bind`] =
      `/${mag_taxrate.entitySetName}(${taxRateId})`;
  }
  await dataverse(endpoints(), "PATCH", `${mag_xeroconnector.entitySetName}(${connectorId})`, defaults);
  say("Demo: reference data arrived; connector defaults set (account 200 Sales, tax OUTPUT2).");
  await dataverse(endpoints(), "PATCH", `invoices(${invoice.id})`, { mag_addtoxero: true });
  await dataverse(endpoints(), "PATCH", `${mag_xeroconnector.entitySetName}(${connectorId})`, {
    [mag_xeroconnector.columns.mag_syncrequestedon]: new Date().toISOString(),
  });
  say(`Demo: marked ${invoice.name} "Add to Xero" and pressed Sync now; watch "Invoices to Xero" below.`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const narrator = createNarrator(write);
  let sandbox: Sandbox | undefined;
  /** The data flow watcher, once it runs. */
  const watchers: Array<{ stop(): void }> = [];
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    write(`\n${signal}: stopping…`);
    for (const watcher of watchers) watcher.stop();
    void (sandbox?.stop() ?? Promise.resolve()).then(
      () => {
        write("stopped; nothing left running.");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  narrator.section("Starting the sandbox");
  let factory: ReturnType<typeof loadServiceTableFactory> = null;
  try {
    factory = loadServiceTableFactory();
  } catch (error) {
    // A service that does not load must not keep the emulators from coming up.
    narrator.say(`! The service did not load: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (factory === null) narrator.say("No service function table (azure-functions/src/functions): emulators only.");
  else narrator.say(`Running the service in the local Functions host; timers run ${speedUp}× faster than real time.`);
  try {
    sandbox = await startSandbox({
      withService: factory ?? false,
      speedUp,
      hostLogger: narrator.hostLogger,
      endpointsFile,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /EADDRINUSE/.test(message)
      ? ` — a port is taken; move with ${Object.values(portSettings)
          .map((s) => s.env)
          .join(", ")} (0 = any free port)`
      : "";
    process.stderr.write(`could not start: ${message}${hint}\n`);
    process.exit(1);
  }
  if (stopping) return;
  const { endpoints } = sandbox;
  narrator.say(
    `Azurite: blob ${sandbox.azurite.blobPort}, queue ${sandbox.azurite.queuePort}, table ${sandbox.azurite.tablePort}`,
  );
  narrator.say(`Dataverse emulator: demo org seeded at ${endpoints.dataverseUrl}`);
  narrator.say(
    `Xero emulator: organisation "${demoXeroOrganisationName}" (tenant ${endpoints.xeroTenantId}) at ${endpoints.xeroApiUrl}`,
  );
  if (sandbox.host !== undefined) narrator.say(`Functions host: ${sandbox.host.url}`);
  if (sandbox.xeroWebhook !== undefined) {
    const { url, verified } = sandbox.xeroWebhook;
    narrator.say(
      verified
        ? `Xero webhooks go to ${url}: intent to receive passed (a well-signed and a badly signed test payload, answered 200 and 401)`
        : `! Xero webhooks go to ${url}, but intent to receive FAILED: the emulator sends no events`,
    );
  }

  let connectorId: string | undefined;
  if (sandbox.host !== undefined) {
    narrator.section("Connecting the demo org to Xero");
    try {
      const seeded = await seedDemoConnection(sandbox);
      connectorId = seeded.connectorId;
      narrator.say(
        `Xero Connector "${demoXeroOrganisationName}" in the demo org, data flows enabled: ${seeded.flows.join(", ")}; service connection ${seeded.connectionId} connected.`,
      );
      narrator.say(
        "The sync scheduler runs every minute (every second at this speed) and queues each data flow that is due.",
      );
    } catch (error) {
      narrator.say(`! Could not connect the demo org: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const [demoInvoice, guideInvoice] = await findDemoInvoices(endpoints).catch(() => []);

  narrator.section("Where to look");
  const timerName = sandbox.host?.functions.find((fn) => fn.kind === "timer")?.name;
  const guideDemo = {
    ...(timerName === undefined ? {} : { timerName }),
    ...(guideInvoice === undefined ? {} : { invoice: guideInvoice }),
    ...(connectorId === undefined ? {} : { connectorId }),
  };
  for (const line of toGuideLines(endpoints, endpointsFile, guideDemo)) write(line);

  narrator.section(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s — what happens next (Ctrl-C to stop)`);
  const current = sandbox;
  watchers.push(
    watchDataFlows({
      webApiUrl: endpoints.dataverseWebApiUrl,
      accessToken: () => current.endpoints.dataverseAccessToken,
      onLines: (lines) => lines.forEach((line) => narrator.say(line)),
    }),
  );
  if (connectorId !== undefined && demoInvoice !== undefined && process.env.START_DEMO !== "0") {
    await runDemo(
      current,
      connectorId,
      demoInvoice,
      (text) => narrator.say(text),
      () => stopping,
    ).catch((error: unknown) =>
      narrator.say(`! The demo stopped: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

if (require.main === module) void main();
