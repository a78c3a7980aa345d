// `npm run webhooks -- [sync|remove] [--connection <id>] [--env-file <path>]`: the real-time add-on's Dataverse
// webhook for every connection (or one). `sync` (the default) registers it, idempotently, for connections whose
// connector has Real-time enabled and removes it from the others; `remove` removes it everywhere. Settings come from
// the environment like `npm run support` (`.sandbox/service.env` when nothing is set). Each run records what it left
// registered, as the scheduler does when it follows the switch: `sync` hands the connection back to the switch,
// `remove` holds Real-time off (the scheduler leaves it) until the next `sync`.
import { join } from "node:path";
import { createDataverseClient } from "../azure-functions/src/adapters/dataverse/web-api-client";
import { createConnectionStore } from "../azure-functions/src/adapters/table-storage/connection-store";
import { ensureTable, openAllTables, openTable } from "../azure-functions/src/adapters/table-storage/tables";
import { loadConfig, type Config } from "../azure-functions/src/config";
import { systemClock } from "../azure-functions/src/core/clock";
import { toSyncError } from "../azure-functions/src/core/errors";
import { createTableRealtimeStore, realtimeTableName } from "../azure-functions/src/realtime/realtime-store";
import {
  holdRealtimeRegistration,
  syncRealtimeRegistration,
  withRegistrationClaim,
} from "../azure-functions/src/realtime/registration";
import { resolveEnvironment } from "./support";

export const usage = "usage: npm run webhooks -- [sync|remove] [--connection <id>] [--env-file <path>]";

export type WebhookCommand = { action: "sync" | "remove"; connection?: string };

export function parseWebhookArgs(args: readonly string[]): WebhookCommand {
  const rest = [...args];
  let connection: string | undefined;
  const index = rest.indexOf("--connection");
  if (index >= 0) {
    connection = rest[index + 1];
    if (connection === undefined || connection.startsWith("--")) throw new RangeError("--connection needs an id");
    rest.splice(index, 2);
  }
  const action = rest[0] ?? "sync";
  if ((action !== "sync" && action !== "remove") || rest.length > 1)
    throw new RangeError(`unknown arguments: ${rest.join(" ")}`);
  return { action, ...(connection === undefined ? {} : { connection }) };
}

export async function runWebhooks(
  command: WebhookCommand,
  config: Config,
  out: (line: string) => void,
): Promise<number> {
  const tables = await openAllTables(config.storageConnectionString);
  const connections = createConnectionStore(tables.connections, { keyRing: config.encryption, clock: systemClock, dataverseApp: config.dataverse.app });
  const table = openTable(config.storageConnectionString, realtimeTableName);
  await ensureTable(table);
  const store = createTableRealtimeStore(table, systemClock);
  const targets =
    command.connection === undefined ? await connections.list() : [await connections.require(command.connection)];
  let failures = 0;
  for (const connection of targets) {
    if (connection.dataverse === null) {
      out(`${connection.id}: no Dynamics 365 credentials yet; skipped`);
      continue;
    }
    const dataverse = createDataverseClient(connection.dataverse, { authorityUrl: config.dataverse.authorityUrl });
    try {
      // As the connection's one registration writer: waits while the scheduler or onboarding is registering.
      const ran = await withRegistrationClaim(
        store,
        connection.id,
        async () => {
          if (command.action === "remove")
            return `${connection.id}: removed ${await holdRealtimeRegistration(dataverse, connection, { store })} row(s); Real-time held off until "npm run webhooks -- sync"`;
          const result = await syncRealtimeRegistration(dataverse, connection, {
            publicBaseUrl: config.links.publicBaseUrl,
            keySecret: config.links.signingKey,
            store,
          });
          return result.action === "registered"
            ? `${connection.id}: webhook ${result.summary.serviceEndpointId}, steps ${result.summary.steps.map((step) => `${step.table}${step.created ? " (new)" : ""}`).join(", ")}`
            : `${connection.id}: Real-time is off; removed ${result.rows} row(s)`;
        },
        { wait: true },
      );
      if (ran.ran) out(ran.value);
    } catch (error) {
      failures += 1;
      out(`${connection.id}: ${toSyncError(error, "dataverse").message}`);
    }
  }
  return failures > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  try {
    const { args, env } = resolveEnvironment(process.argv.slice(2), process.env, join(__dirname, ".."));
    process.exitCode = await runWebhooks(parseWebhookArgs(args), loadConfig(env), (line) =>
      process.stdout.write(`${line}\n`),
    );
  } catch (error) {
    process.stderr.write(
      `${error instanceof RangeError ? `${error.message}\n${usage}` : toSyncError(error).message}\n`,
    );
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
