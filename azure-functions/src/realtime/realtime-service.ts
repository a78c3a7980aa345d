// The real-time add-on built over the composed service (one per service, created on first use): the realtime table,
// the connection directory, the receivers' dependencies and the queue worker for real-time messages.
import { ensureTable, openTable } from "../adapters/table-storage/tables";
import type { Service } from "../composition";
import type { Logger } from "../core/logger";
import { createConnectionDirectory, type ConnectionDirectory } from "./directory";
import type { DataverseReceiverDependencies } from "./dataverse-receiver";
import { createTableRealtimeStore, realtimeTableName, type RealtimeStore } from "./realtime-store";
import { RealtimeWorker } from "./realtime-worker";
import { targetedRunsFor } from "./targeted-pull";
import type { XeroReceiverDependencies } from "./xero-receiver";

export interface Realtime {
  store: RealtimeStore;
  directory: ConnectionDirectory;
  worker: RealtimeWorker;
  dataverseReceiver(logger: Logger): DataverseReceiverDependencies;
  xeroReceiver(logger: Logger): XeroReceiverDependencies;
}

const built = new WeakMap<Service, Promise<Realtime>>();

/** The service's real-time add-on (built once per service). */
export function realtimeFor(service: Service): Promise<Realtime> {
  let realtime = built.get(service);
  if (realtime === undefined) {
    realtime = createRealtime(service);
    built.set(service, realtime);
    realtime.catch(() => built.delete(service));
  }
  return realtime;
}

async function createRealtime(service: Service): Promise<Realtime> {
  const table = openTable(service.config.storageConnectionString, realtimeTableName);
  await ensureTable(table);
  const store = createTableRealtimeStore(table, service.clock);
  const directory = createConnectionDirectory({ connections: service.connections, store, clock: service.clock });
  const worker = new RealtimeWorker({
    connections: service.connections,
    runtimeFor: (connection) => service.runtimeFor(connection),
    contextFor: (connection) => service.contextFor(connection),
    targetedRunsFor,
    store,
    leases: service.leases,
    queue: service.queue,
    clock: service.clock,
    logger: service.logger,
  });
  return {
    store,
    directory,
    worker,
    // Webhook keys derive from the link signing secret with their own label (see toDataverseWebhookKey).
    dataverseReceiver: (logger) => ({
      keySecret: service.config.links.signingKey,
      directory,
      store,
      queue: service.queue,
      clock: service.clock,
      logger,
    }),
    xeroReceiver: (logger) => ({
      webhookKey: service.config.xero.webhookKey,
      directory,
      store,
      queue: service.queue,
      clock: service.clock,
      logger,
    }),
  };
}
