// `npm run sandbox`: Azurite and the Dataverse and Xero emulators (not the service), until Ctrl-C.
// Prints a line beginning "sandbox ready", then where everything listens; credentials go to .sandbox/endpoints.json.
import { relative } from "node:path";
import { defaultEndpointsFile, portSettings, startSandbox, type Sandbox, type SandboxEndpoints } from "./index";

/** A path relative to the working directory when it lies below it. */
function toDisplayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown === "" || shown.startsWith("..") ? file : shown;
}

/** The lines printed once the sandbox is up (URLs only: tokens and secrets stay in the endpoints file). */
export function toReadyLines(
  endpoints: SandboxEndpoints,
  sandbox: Pick<Sandbox, "azurite">,
  file: string,
  elapsedMs: number,
): string[] {
  return [
    `sandbox ready in ${(elapsedMs / 1000).toFixed(1)} s; endpoints and credentials: ${toDisplayPath(file)}`,
    `  Xero API          ${endpoints.xeroApiUrl}  (demo tenant ${endpoints.xeroTenantId})`,
    `  Xero connections  ${endpoints.xeroConnectionsUrl}`,
    `  Xero identity     ${endpoints.xeroIdentityUrl}`,
    `  Dataverse org     ${endpoints.dataverseUrl}  (Web API ${endpoints.dataverseWebApiUrl})`,
    ...(endpoints.dataverseAppClientId === undefined
      ? []
      : [
          `  Dynamics 365 app  ${endpoints.dataverseAppClientId}  (admin consent at ${endpoints.dataverseHostUrl}/<tenant>/v2.0/adminconsent)`,
        ]),
    `  Azurite           blob ${sandbox.azurite.blobPort}, queue ${sandbox.azurite.queuePort}, table ${sandbox.azurite.tablePort}`,
    "Press Ctrl-C to stop.",
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  let sandbox: Sandbox | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C: give up waiting. Azurite still exits on its own (it watches our stdin pipe).
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping the sandbox…\n`);
    const stopped = sandbox?.stop() ?? Promise.resolve();
    void stopped.then(
      () => {
        process.stdout.write("sandbox stopped\n");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(
          `sandbox did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  const persistDir = process.env.SANDBOX_PERSIST_DIR;
  const endpointsFile = process.env.SANDBOX_ENDPOINTS_FILE || defaultEndpointsFile;
  try {
    sandbox = await startSandbox({
      endpointsFile,
      ...(persistDir === undefined || persistDir === "" ? {} : { persistDir }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /EADDRINUSE/.test(message)
      ? ` (a port is taken; set ${Object.values(portSettings)
          .map((s) => s.env)
          .join(", ")} to move, or 0 for any free port)`
      : "";
    process.stderr.write(`sandbox failed to start: ${message}${hint}\n`);
    process.exit(1);
  }
  if (stopping) {
    // Ctrl-C arrived while starting: stop what came up.
    await sandbox.stop();
    process.exit(0);
  }
  process.stdout.write(`${toReadyLines(sandbox.endpoints, sandbox, endpointsFile, Date.now() - started).join("\n")}\n`);
}

if (require.main === module) void main();
