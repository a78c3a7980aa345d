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

/** Timer schedules run this much faster than real time (every 15 minutes becomes every 15 seconds). */
const speedUp = Number(process.env.START_SPEEDUP ?? "60");

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Reads one value of the endpoints file in a shell, without jq. */
const fromEndpoints = (key: keyof SandboxEndpoints, file: string): string =>
  `$(node -p "require('./${relative(process.cwd(), file)}').${key}")`;

/** How to poke the running product by hand: URLs and curl lines that read credentials from the endpoints file. */
export function toGuideLines(
  endpoints: SandboxEndpoints,
  file: string,
  invoice: { id: string; name: string } | null,
): string[] {
  const dataverseToken = fromEndpoints("dataverseAccessToken", file);
  const lines = [
    `Endpoints and credentials: ${relative(process.cwd(), file)}`,
    `Dataverse demo org:   ${endpoints.dataverseUrl}   Web API ${endpoints.dataverseWebApiUrl}`,
    `Xero API:             ${endpoints.xeroApiUrl}   (tenant ${endpoints.xeroTenantId})`,
    `Xero identity:        ${endpoints.xeroIdentityUrl}/identity/connect/authorize (consent screen)`,
  ];
  if (endpoints.functionsUrl !== undefined) lines.push(`Functions host:       ${endpoints.functionsUrl}/api/…`);
  lines.push("", "List the demo invoices in Dataverse:");
  lines.push(
    `  curl -s "${endpoints.dataverseWebApiUrl}invoices?\\$select=name,mag_addtoxero,mag_xerosyncstatus" -H "Authorization: Bearer ${dataverseToken}"`,
  );
  if (invoice !== null) {
    lines.push("", `Flip "Add to Xero" on ${invoice.name} (the service pushes it to Xero):`);
    lines.push(
      `  curl -s -X PATCH "${endpoints.dataverseWebApiUrl}invoices(${invoice.id})" -H "Authorization: Bearer ${dataverseToken}" -H "Content-Type: application/json" -d '{"mag_addtoxero": true}'`,
    );
  }
  lines.push("", "See what Xero holds:");
  lines.push(
    `  curl -s "${endpoints.xeroApiUrl}/Invoices" -H "Authorization: Bearer ${fromEndpoints("xeroAccessToken", file)}" -H "xero-tenant-id: ${endpoints.xeroTenantId}" -H "Accept: application/json"`,
  );
  return lines;
}

/** The first seeded invoice not yet marked "Add to Xero", to show in the guide. */
async function findDemoInvoice(endpoints: SandboxEndpoints): Promise<{ id: string; name: string } | null> {
  const url = `${endpoints.dataverseWebApiUrl}invoices?$select=invoiceid,name&$filter=mag_addtoxero ne true&$top=1`;
  const answer = await fetch(url, {
    headers: { authorization: `Bearer ${endpoints.dataverseAccessToken}`, accept: "application/json" },
  });
  if (!answer.ok) return null;
  const row = ((await answer.json()) as { value?: Array<{ invoiceid: string; name: string | null }> }).value?.[0];
  return row === undefined ? null : { id: row.invoiceid, name: row.name ?? row.invoiceid };
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
  const factory = loadServiceTableFactory();
  if (factory === null)
    narrator.say("The service exports no function table yet (azure-functions/src/functions): emulators only.");
  else narrator.say(`Running the service in the local Functions host; timers run ${speedUp}× faster than real time.`);
  try {
    sandbox = await startSandbox({
      withService: factory ?? false,
      speedUp,
      hostLogger: narrator.hostLogger,
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

  narrator.section("Where to look");
  for (const line of toGuideLines(endpoints, defaultEndpointsFile, await findDemoInvoice(endpoints).catch(() => null)))
    write(line);

  narrator.section(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s — what happens next (Ctrl-C to stop)`);
  const current = sandbox;
  watchers.push(
    watchDataFlows({
      webApiUrl: endpoints.dataverseWebApiUrl,
      accessToken: () => current.endpoints.dataverseAccessToken,
      onLines: (lines) => lines.forEach((line) => narrator.say(line)),
    }),
  );
}

if (require.main === module) void main();
