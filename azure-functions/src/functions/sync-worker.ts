// Queue trigger: run one flow for one connection. A malformed message is logged and acknowledged (retrying it cannot
// help); retryable failures are rethrown so the host retries and, after five tries, moves it to sync-work-poison.
// Real-time messages (a webhook's record) go to the real-time worker, which coalesces them under the same lease.
// On the last try a failure is first surfaced on the connector and in the sync log (realtime/poison.ts).
import { syncWorkQueueName, toSyncWorkMessage } from "../adapters/queue/work-queue";
import { toSyncError } from "../core/errors";
import type { StorageQueueFunctionDefinition } from "../function-table";
import { isLastDelivery, recordPoisonedWork } from "../realtime/poison";
import { realtimeFor } from "../realtime/realtime-service";
import { isRealtimeWork } from "../realtime/realtime-worker";
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
      try {
        const outcome = isRealtimeWork(message) ? await (await realtimeFor(resolved)).worker.handle(message) : await resolved.worker.handle(message);
        logger.info("sync work handled", { connectionId: message.connectionId, flow: message.flow, status: outcome.status });
      } catch (thrown) {
        if (isLastDelivery(invocation.triggerMetadata)) {
          const error = toSyncError(thrown);
          await recordPoisonedWork({ connections: resolved.connections, dataverseFor: (connection) => resolved.contextFor(connection).dataverse, clock: resolved.clock }, message, error).catch((failure: unknown) =>
            logger.error("could not surface a poisoned message on the connector", { error: toSyncError(failure) }),
          );
        }
        throw thrown;
      }
    },
  };
}
