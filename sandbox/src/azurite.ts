// Azurite (the Azure Storage emulator, from npm) started and stopped by the sandbox and by tests.
// In memory by default; pass `location` to persist in a folder.
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { findFreePort } from "./free-port";

export interface AzuriteOptions {
  /** Fixed ports; any left out is picked free. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** A folder to persist to; in memory when absent. */
  location?: string;
  /** How long to wait for the three ports to open (default 60 s: two Jest workers on 2 CI cores have needed > 20 s). */
  startTimeoutMs?: number;
}

/** Azurite did not open its ports in time or exited first; its process has been killed and has exited. */
export class AzuriteStartError extends Error {
  override readonly name = "AzuriteStartError";
  constructor(
    message: string,
    /** The process that was started (and is gone by the time this is thrown). */
    readonly pid: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const defaultStartTimeoutMs = 60_000;

export interface Azurite {
  /** The Azurite child process (it also exits on its own when this process dies: it watches its stdin). */
  pid: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** The well-known development account's connection string, pointing at these ports. */
  connectionString: string;
  stop(): Promise<void>;
}

/** Azurite's documented development account (public, not a secret): https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key */
export const devAccountName = "devstoreaccount1";
export const devAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function toConnectionString(ports: { blobPort: number; queuePort: number; tablePort: number }): string {
  const base = `http://127.0.0.1`;
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${devAccountName}`,
    `AccountKey=${devAccountKey}`,
    `BlobEndpoint=${base}:${ports.blobPort}/${devAccountName}`,
    `QueueEndpoint=${base}:${ports.queuePort}/${devAccountName}`,
    `TableEndpoint=${base}:${ports.tablePort}/${devAccountName}`,
  ].join(";");
}

/**
 * Runs Azurite inside a small wrapper that shuts it down when its stdin closes, which happens when the parent process
 * ends however it ends (even SIGKILL), so a crashed sandbox or test run never leaves an orphan holding the ports.
 * `node -e` drops the script path from argv; Azurite's argument parser expects it back.
 */
const exitWithParent = [
  "const [script, ...flags] = process.argv.slice(1);",
  "process.argv = [process.argv[0], script, ...flags];",
  "process.stdin.on('end', () => { setTimeout(() => process.exit(0), 3000).unref(); process.kill(process.pid, 'SIGTERM'); });",
  "process.stdin.on('error', () => undefined);",
  "process.stdin.resume();",
  "require(script);",
].join("\n");

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const blobPort = options.blobPort ?? (await findFreePort());
  const queuePort = options.queuePort ?? (await findFreePort());
  const tablePort = options.tablePort ?? (await findFreePort());
  // Another Azurite (or anything) already answering on a port would pass the readiness check below and be used in
  // this one's place, so a taken port is an error up front.
  for (const port of [blobPort, queuePort, tablePort]) {
    if (await canConnect(port))
      throw new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port} (Azurite)`);
  }
  const args = [
    "-e",
    exitWithParent,
    require.resolve("azurite/dist/src/azurite.js"),
    "--silent",
    "--skipApiVersionCheck",
    "--disableTelemetry",
    "--blobPort",
    String(blobPort),
    "--queuePort",
    String(queuePort),
    "--tablePort",
    String(tablePort),
  ];
  if (options.location === undefined) args.push("--inMemoryPersistence");
  else args.push("--location", options.location);

  const child = spawn(process.execPath, args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Without a listener a spawn failure would be an uncaught error; the wait below sees the exit instead.
  child.on("error", (error) => {
    stderr += ` ${error.message}`;
  });
  child.stdin?.on("error", () => undefined);
  try {
    await waitForPorts([blobPort, queuePort, tablePort], child, options.startTimeoutMs ?? defaultStartTimeoutMs);
  } catch (error) {
    // Wait for the exit: a rejected start must leave no process behind (nor a handle that keeps Jest's worker open).
    await killNow(child);
    const reason = error instanceof Error ? error.message : String(error);
    throw new AzuriteStartError(`Azurite did not start: ${reason} ${stderr}`.trim(), child.pid ?? -1, { cause: error });
  }
  return {
    pid: child.pid ?? -1,
    blobPort,
    queuePort,
    tablePort,
    connectionString: toConnectionString({ blobPort, queuePort, tablePort }),
    stop: () => stopChild(child),
  };
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** One poll loop for all ports, so nothing keeps polling once the wait has failed. */
async function waitForPorts(ports: readonly number[], child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = [...ports];
  for (;;) {
    if (hasExited(child)) throw new Error(`exited with ${child.exitCode ?? child.signalCode ?? "no status"}`);
    while (pending.length > 0 && (await canConnect(pending[0] ?? 0))) pending.shift();
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`port ${pending.join(", ")} not open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killNow(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.stdin?.destroy();
    child.kill("SIGKILL");
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // Closing stdin lets the wrapper shut Azurite down (a bare SIGTERM would leave the open stdin holding it up).
    child.stdin?.end();
  });
}
