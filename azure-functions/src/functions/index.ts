// The host entry (package.json "main"): the service's function table. The real Functions host registers it at load;
// the sandbox's local host imports `createFunctionTable(env)` and runs the same definitions itself.
import { app } from "@azure/functions";
import { registerFunctionTable, type FunctionDefinition } from "../function-table";
import { dataverseWebhookFunction } from "./dataverse-webhook";
import { onboardingFunctions } from "./onboarding";
import { realtimeHousekeepingFunction } from "./realtime-housekeeping";
import { lazyService } from "./service";
import { syncSchedulerFunction } from "./sync-scheduler";
import { syncWorkerFunction } from "./sync-worker";
import { tokenKeepAliveFunction } from "./token-keepalive";
import { xeroWebhookFunctions } from "./xero-webhook";

export function createFunctionTable(env: Readonly<Record<string, string | undefined>>): FunctionDefinition[] {
  const service = lazyService(env);
  return [syncSchedulerFunction(service), syncWorkerFunction(service), ...onboardingFunctions(service), dataverseWebhookFunction(service), ...xeroWebhookFunctions(service), realtimeHousekeepingFunction(service), tokenKeepAliveFunction(service)];
}

// Only the real host sets FUNCTIONS_WORKER_RUNTIME; importing this module anywhere else registers nothing.
if (process.env["FUNCTIONS_WORKER_RUNTIME"] === "node") {
  registerFunctionTable(app, createFunctionTable(process.env));
}
