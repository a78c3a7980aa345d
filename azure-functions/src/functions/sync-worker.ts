// Queue trigger: run one flow for one connection. A malformed message is logged and acknowledged (retrying it cannot
// help); retryable failures are rethrown so the host retries and, after five tries, moves it to sync-work-poison.
import { syncWorkQueueName, toSyncWorkMessage } from "../adapters/queue/work-queue";
import { toSyncError } from "../core/errors";
import type { StorageQueueFunctionDefinition } from "../function-table";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

export function syncWorkerFunction(service: ServiceProvider): StorageQueueFunctionDefinition {
  return {
    kind: "storageQueue",
    name: "syncWorker",
    queueName: syncWorkQueueName,
    connection: "AzureWebJobsStorage",
    handler: async (queueItem, invocation) => {
      const resolved = await service();
      const logger = invocationLogger(invocation, resolved);
      let message;
      try {
        message = toSyncWorkMessage(queueItem);
      } catch (thrown) {
        logger.error("a sync-work message is not valid work; dropped", { error: toSyncError(thrown) });
        return;
      }
      const outcome = await resolved.worker.handle(message);
      logger.info("sync work handled", { connectionId: message.connectionId, flow: message.flow, status: outcome.status });
    },
  };
}
