// The first sync, at once: the moment a connection is complete, reference data and the enabled pulls from Xero are
// queued exactly as the scheduler queues due flows (a scope in the scope store, then one `sync-work` message per
// flow, reason "onboarding"), so the worker runs them within seconds and the scheduler does not queue them twice.
// The real-time add-on's Dataverse webhook is registered when the connector has it switched on.
import { randomUUID } from "node:crypto";
import type { DataversePort } from "../adapters/dataverse/port";
import { toWorkMessage, type WorkQueue } from "../adapters/queue/work-queue";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import { readConnectorFlows } from "../engine/data-flows";
import { toScheduledScope } from "../engine/schedule";
import type { ScopeStore } from "../engine/scope-store";
import { selectFirstSyncFlows, type FlowName } from "./flow-defaults";

/** Registers the real-time add-on's webhook for a connector (issue 6); absent until that module provides it. */
export type RealtimeRegistration = (request: {
  connection: Connection;
  connectorId: string;
  dataverse: DataversePort;
}) => Promise<void>;

export interface FirstSyncDependencies {
  queue: WorkQueue;
  scopes: ScopeStore;
  clock: Clock;
  logger: Logger;
  registerRealtime?: RealtimeRegistration;
}

export interface FirstSync {
  flows: FlowName[];
  realtime: "registered" | "not-enabled" | "not-available";
}

export async function startFirstSync(
  deps: FirstSyncDependencies,
  request: { connection: Connection; connectorId: string; dataverse: DataversePort; realtimeEnabled: boolean },
): Promise<FirstSync> {
  const { connection, connectorId, dataverse } = request;
  const log = deps.logger.child({ connectionId: connection.id });
  const state = await readConnectorFlows(dataverse, connectorId);
  if (state === undefined) return { flows: [], realtime: "not-enabled" };
  const now = deps.clock.now();
  const flows = selectFirstSyncFlows(state.flows);
  const correlationId = randomUUID();
  for (const flow of flows) {
    const row = state.flows.find((candidate) => candidate.flow === flow);
    if (row !== undefined) await deps.scopes.save(connection.id, flow, toScheduledScope(row, state.connector, now));
  }
  await deps.queue.enqueueMany(
    flows.map((flow) =>
      toWorkMessage(deps.clock, { connectionId: connection.id, flow, reason: "onboarding", correlationId }),
    ),
  );
  log.info("first sync queued", { flows, correlationId });

  let realtime: FirstSync["realtime"] = "not-enabled";
  if (request.realtimeEnabled) {
    if (deps.registerRealtime === undefined) {
      realtime = "not-available";
      log.warn("the real-time add-on is enabled but this service has no webhook registration yet");
    } else {
      await deps.registerRealtime({ connection, connectorId, dataverse });
      realtime = "registered";
    }
  }
  return { flows, realtime };
}
