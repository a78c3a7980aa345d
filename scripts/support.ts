// `npm run support -- <command>`: the vendor's support tool.
//   link --connection <id|new> --kind xero|dynamics [--expires 72h]   prints a signed, expiring, single-use link
//   status [--json] [--offline]                                        every live connection's health (with --offline,
//                                                                      only what storage knows; otherwise the connector row
//                                                                      too), then the pending ones (onboarding not finished)
//                                                                      apart (--json: one row each, status "pending");
//                                                                      exit 2 when a live one is not connected
//   replay-poison                                                      moves sync-work-poison back to sync-work
// Settings come from the environment (the service's own: AzureWebJobsStorage, XC_ENCRYPTION_KEYS, XC_LINK_SIGNING_KEY,
// …), optionally from `--env-file <path>`; `.sandbox/service.env` is read when present and nothing else is set.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type Config } from "../azure-functions/src/config";
import { systemClock, type Clock } from "../azure-functions/src/core/clock";
import { toSyncError } from "../azure-functions/src/core/errors";
import { createDataverseClient } from "../azure-functions/src/adapters/dataverse/web-api-client";
import { mag_xeroconnector, type XeroConnectorRow } from "../azure-functions/src/generated/dataverse";
import { replayPoison } from "../azure-functions/src/adapters/queue/work-queue";
import { createConnectionStore, type Connection } from "../azure-functions/src/adapters/table-storage/connection-store";
import { createRateGovernor } from "../azure-functions/src/adapters/table-storage/rate-governor";
import { openAllTables } from "../azure-functions/src/adapters/table-storage/tables";
import { createTokenVault, type GrantInfo } from "../azure-functions/src/adapters/table-storage/token-vault";
import { createLinkStore } from "../azure-functions/src/links/link-store";
import { abandonedAfterMs } from "../azure-functions/src/onboarding/abandoned-connections";
import { linkKinds, parseDuration, type LinkKind } from "../azure-functions/src/links/signed-links";

export type SupportCommand =
  | { command: "link"; connection: string; kind: LinkKind; lifetimeMs: number }
  | { command: "status"; json: boolean; offline: boolean }
  | { command: "replay-poison" }
  | { command: "help" };

export const usage = [
  "usage: npm run support -- [--env-file <path>] <command>",
  "  link --connection <id|new> --kind xero|dynamics [--expires 72h]",
  "  status [--json] [--offline]",
  "  replay-poison",
].join("\n");

/** Parses the command line (after `--env-file`, which `main` removes). Throws a RangeError with the reason. */
export function parseSupportArgs(args: readonly string[]): SupportCommand {
  const [command, ...rest] = args;
  const options = new Map<string, string | true>();
  for (let index = 0; index < rest.length; index++) {
    const name = rest[index] ?? "";
    if (!name.startsWith("--")) throw new RangeError(`unexpected argument: ${name}`);
    const next = rest[index + 1];
    if (next === undefined || next.startsWith("--")) options.set(name.slice(2), true);
    else {
      options.set(name.slice(2), next);
      index++;
    }
  }
  const text = (name: string): string | undefined => {
    const value = options.get(name);
    return typeof value === "string" ? value : undefined;
  };
  switch (command) {
    case "link": {
      const connection = text("connection");
      const kind = text("kind");
      if (connection === undefined) throw new RangeError("link needs --connection <id|new>");
      if (kind === undefined || !(linkKinds as readonly string[]).includes(kind)) throw new RangeError("link needs --kind xero|dynamics");
      return { command: "link", connection, kind: kind as LinkKind, lifetimeMs: parseDuration(text("expires") ?? "72h") };
    }
    case "status":
      return { command: "status", json: options.get("json") === true, offline: options.get("offline") === true };
    case "replay-poison":
      return { command: "replay-poison" };
    case undefined:
    case "help":
    case "--help":
      return { command: "help" };
    default:
      throw new RangeError(`unknown command: ${command}`);
  }
}

/** `KEY=VALUE` lines (blank lines and # comments ignored; values may be quoted). */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const separator = trimmed.indexOf("=");
    if (separator <= 0) continue;
    const value = trimmed.slice(separator + 1).trim();
    result[trimmed.slice(0, separator).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return result;
}

export interface ConnectionHealth {
  connectionId: string;
  status: Connection["status"];
  xeroOrganisation: string;
  xeroTenantId: string;
  dynamicsUrl: string;
  connectorId: string;
  grantExpiresOn: string;
  accessTokenExpiresAt: string;
  callsRemainingToday: number | null;
  /** From the connector row in Dynamics 365 (empty when offline or unreadable). */
  lastSynchedOn: string;
  lastError: string;
  problem: string;
}

/** What the connector row itself says (mag_lastsynchedon, mag_lasterror), or why it could not be read. */
export type ConnectorReading = { lastSynchedOn: string | null; lastError: string | null } | { unreadable: string } | undefined;

/** One connection's health, as support reads it (never a secret). */
export function toConnectionHealth(connection: Connection, grant: GrantInfo | undefined, callsRemainingToday: number | null, connector?: ConnectorReading): ConnectionHealth {
  const problems: string[] = [];
  if (connection.statusReason !== null) problems.push(connection.statusReason);
  if (grant?.disconnected !== undefined && grant.disconnected.reason !== connection.statusReason) problems.push(grant.disconnected.reason);
  if (connection.xero !== null && grant === undefined) problems.push("no Xero grant stored: send a xero link");
  if (connection.dataverse === null) problems.push("no Dynamics 365 credentials: send a dynamics link");
  if (connector !== undefined && "unreadable" in connector) problems.push(`connector row unreadable: ${connector.unreadable}`);
  const reading = connector !== undefined && !("unreadable" in connector) ? connector : undefined;
  return {
    connectionId: connection.id,
    status: connection.status,
    xeroOrganisation: connection.xero?.tenantName ?? "",
    xeroTenantId: connection.xero?.tenantId ?? "",
    dynamicsUrl: connection.dataverse?.url ?? "",
    connectorId: connection.connectorId ?? "",
    grantExpiresOn: grant === undefined ? "" : grant.grantExpiresOn.toISOString(),
    accessTokenExpiresAt: grant === undefined ? "" : grant.accessTokenExpiresAt.toISOString(),
    callsRemainingToday,
    lastSynchedOn: reading?.lastSynchedOn ?? "",
    lastError: (reading?.lastError ?? "").replace(/\s+/g, " ").slice(0, 200),
    problem: problems.join("; "),
  };
}

/** A connection whose onboarding has not finished, and the step it waits for (never a secret). */
export interface PendingConnection {
  connectionId: string;
  createdOn: string;
  /** The daily housekeeping deletes it 30 days after this, unless a link that still works points at it. */
  updatedOn: string;
  waitingFor: string;
}

export interface PendingSummary {
  count: number;
  /** The longest-unchanged one's last change (empty when none). */
  oldestUpdatedOn: string;
  connections: PendingConnection[];
}

const waitingFor = (connection: Connection): string => {
  if (connection.xero === null && connection.dataverse === null) return "Xero and Dynamics 365";
  if (connection.xero === null) return "Xero";
  if (connection.dataverse === null) return "Dynamics 365";
  return "connector setup";
};

/** The pending connections, longest unchanged first. */
export function toPendingSummary(connections: readonly Connection[]): PendingSummary {
  const pending = connections
    .filter((connection) => connection.status === "pending")
    .sort((a, b) => a.updatedOn.localeCompare(b.updatedOn) || a.id.localeCompare(b.id))
    .map((connection) => ({
      connectionId: connection.id,
      createdOn: connection.createdOn,
      updatedOn: connection.updatedOn,
      waitingFor: waitingFor(connection),
    }));
  return { count: pending.length, oldestUpdatedOn: pending[0]?.updatedOn ?? "", connections: pending };
}

/** "pending (onboarding not finished): N, oldest …", then one line per pending connection. */
export function toPendingText(summary: PendingSummary, now: number): string {
  const oldest = summary.connections[0];
  if (oldest === undefined) return "pending (onboarding not finished): 0";
  const day = 86_400_000;
  const days = Math.floor((now - Date.parse(oldest.updatedOn)) / day);
  return [
    `pending (onboarding not finished): ${summary.count}, oldest unchanged since ${oldest.updatedOn} (${days} day${days === 1 ? "" : "s"}, ${oldest.connectionId}); deleted after ${abandonedAfterMs / day} days unchanged unless a link still works`,
    toTable(summary.connections.map((row) => ({ ...row }))),
  ].join("\n");
}

/** A plain-text table. */
export function toTable(rows: readonly Record<string, string | number | null>[]): string {
  const first = rows[0];
  if (first === undefined) return "(no connections)";
  const headers = Object.keys(first);
  const cells = rows.map((row) => headers.map((header) => String(row[header] ?? "")));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((line) => (line[column] ?? "").length)));
  const format = (line: readonly string[]): string => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  return [format(headers), format(widths.map((width) => "-".repeat(width))), ...cells.map(format)].join("\n");
}

export interface SupportIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command; returns the process exit code. */
export async function runSupport(command: Exclude<SupportCommand, { command: "help" }>, config: Config, io: SupportIo, clock: Clock = systemClock): Promise<number> {
  const tables = await openAllTables(config.storageConnectionString);
  const connections = createConnectionStore(tables.connections, { keyRing: config.encryption, clock, dataverseApp: config.dataverse.app });
  switch (command.command) {
    case "link": {
      const connection = command.connection === "new" ? await connections.create() : await connections.require(command.connection);
      if (command.connection === "new") io.err(`created pending connection ${connection.id}`);
      const links = createLinkStore(tables.links, { signingKey: config.links.signingKey, publicBaseUrl: config.links.publicBaseUrl, clock });
      const withdrawn = await links.revokeForConnection(connection.id, command.kind);
      const link = await links.issue({ kind: command.kind, connectionId: connection.id, lifetimeMs: command.lifetimeMs, issuedBy: "support" });
      if (withdrawn > 0) io.err(`withdrew ${withdrawn} earlier unused ${command.kind} link(s) for this connection`);
      io.err(`${command.kind} link for connection ${connection.id}, single use, expires ${link.expiresAt.toISOString()}:`);
      io.out(link.url);
      return 0;
    }
    case "status": {
      const vault = createTokenVault({ table: tables.tokens, keyRing: config.encryption, clock, xero: config.xero });
      const governor = createRateGovernor({ table: tables.rateBudget, clock, limits: config.xero.limits });
      const all = await connections.list();
      const live: ConnectionHealth[] = [];
      const pending: ConnectionHealth[] = [];
      for (const connection of all) {
        const grant = await vault.getGrantInfo(connection.id);
        const calls = connection.xero === null ? null : await governor.callsRemainingToday(connection.xero.tenantId);
        if (connection.status === "pending") {
          pending.push(toConnectionHealth(connection, grant, calls));
          continue;
        }
        const connector = command.offline ? undefined : await readConnector(connection, config, clock);
        live.push(toConnectionHealth(connection, grant, calls, connector));
      }
      // JSON keeps one row per connection (its status tells a pending one); the table shows the pending ones apart.
      io.out(
        command.json
          ? JSON.stringify([...live, ...pending], null, 2)
          : [toTable(live.map((row) => ({ ...row }))), "", toPendingText(toPendingSummary(all), clock.now())].join("\n"),
      );
      // Unfinished onboarding is not a fault of a running connection: only live ones set the exit code.
      return live.some((row) => row.status !== "connected") ? 2 : 0;
    }
    case "replay-poison": {
      const summary = await replayPoison({ connectionString: config.storageConnectionString, clock });
      io.out(`replayed ${summary.replayed} message(s) from sync-work-poison to sync-work`);
      for (const invalid of summary.invalid) io.out(`left ${invalid.messageId}: ${invalid.reason}`);
      return summary.invalid.length > 0 ? 1 : 0;
    }
  }
}

/** The connector row's own health columns, read with the connection's Dynamics 365 credentials. */
async function readConnector(connection: Connection, config: Config, clock: Clock): Promise<ConnectorReading> {
  if (connection.dataverse === null || connection.connectorId === null) return undefined;
  const client = createDataverseClient(connection.dataverse, { authorityUrl: config.dataverse.authorityUrl, clock, retryPolicy: { maxAttempts: 1 } });
  const columns = mag_xeroconnector.columns;
  try {
    const row = await client.retrieve<Pick<XeroConnectorRow, "mag_lastsynchedon" | "mag_lasterror">>(mag_xeroconnector.entitySetName, connection.connectorId, {
      select: [columns.mag_lastsynchedon, columns.mag_lasterror],
    });
    if (row === undefined) return { unreadable: "the connector row no longer exists" };
    return { lastSynchedOn: row.mag_lastsynchedon, lastError: row.mag_lasterror };
  } catch (error) {
    return { unreadable: toSyncError(error, "dataverse").message };
  }
}

/** The environment: the process's, or an env file's when given (or `.sandbox/service.env` when nothing is set). */
export function resolveEnvironment(args: string[], env: NodeJS.ProcessEnv, root: string): { args: string[]; env: Record<string, string | undefined> } {
  const index = args.indexOf("--env-file");
  const remaining = [...args];
  let file: string | undefined;
  if (index >= 0) {
    file = args[index + 1];
    if (file === undefined) throw new RangeError("--env-file needs a path");
    remaining.splice(index, 2);
  } else if (env["AzureWebJobsStorage"] === undefined && existsSync(join(root, ".sandbox", "service.env"))) {
    file = join(root, ".sandbox", "service.env");
  }
  return { args: remaining, env: file === undefined ? { ...env } : { ...env, ...parseEnvFile(readFileSync(file, "utf8")) } };
}

async function main(): Promise<void> {
  const io: SupportIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  try {
    const { args, env } = resolveEnvironment(process.argv.slice(2), process.env, join(__dirname, ".."));
    const command = parseSupportArgs(args);
    if (command.command === "help") {
      io.out(usage);
      return;
    }
    process.exitCode = await runSupport(command, loadConfig(env), io);
  } catch (error) {
    const message = error instanceof RangeError ? `${error.message}\n${usage}` : toSyncError(error).message;
    io.err(message);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
