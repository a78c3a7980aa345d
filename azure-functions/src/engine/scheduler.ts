// The timer's work: for every connected connection, read its connector and data flows (one Dataverse request), and
// enqueue one `sync-work` message per due flow, leaving the flow's scope in the scope store for the worker.
import { randomUUID } from "node:crypto";
import type { DataversePort } from "../adapters/dataverse/port";
import { toWorkMessage, type SyncWorkMessage, type WorkQueue } from "../adapters/queue/work-queue";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { readConnectorFlows } from "./data-flows";
import { isDue, toScheduledScope } from "./schedule";
import type { ScopeStore } from "./scope-store";

export interface SchedulerDependencies {
  connections: { list(): Promise<Connection[]> };
  dataverseFor(connection: Connection): DataversePort;
  queue: WorkQueue;
  scopes: ScopeStore;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

export interface ScheduleSummary {
  connections: number;
  enqueued: number;
  failedConnections: number;
}

export class Scheduler {
  constructor(private readonly deps: SchedulerDependencies) {}

  async run(): Promise<ScheduleSummary> {
    const { clock, logger } = this.deps;
    const connections = (await this.deps.connections.list()).filter(
      (connection) =>
        connection.status === "connected" &&
        connection.dataverse !== null &&
        connection.xero !== null &&
        connection.connectorId !== null,
    );
    const summary: ScheduleSummary = { connections: connections.length, enqueued: 0, failedConnections: 0 };
    for (const connection of connections) {
      try {
        summary.enqueued += await this.scheduleConnection(connection);
      } catch (thrown) {
        // One connection's trouble (expired Dynamics credentials) never stops the others.
        summary.failedConnections += 1;
        logger.warn("could not schedule a connection", { connectionId: connection.id, error: toSyncError(thrown) });
      }
    }
    logger.info("scheduled sync work", { ...summary, at: new Date(clock.now()).toISOString() });
    return summary;
  }

  private async scheduleConnection(connection: Connection): Promise<number> {
    const { clock, scopes, queue } = this.deps;
    const connectorId = connection.connectorId as string;
    const state = await readConnectorFlows(this.deps.dataverseFor(connection), connectorId);
    if (state === undefined) return 0;
    const now = clock.now();
    const messages: SyncWorkMessage[] = [];
    for (const flow of state.flows) {
      const previous = await scopes.get(connection.id, flow.flow);
      const enqueuedAt = previous?.enqueuedAt === undefined ? undefined : new Date(previous.enqueuedAt);
      if (!isDue(flow, state.connector, now, enqueuedAt)) continue;
      await scopes.save(connection.id, flow.flow, toScheduledScope(flow, state.connector, now));
      const requested =
        state.connector.syncRequestedOn !== undefined &&
        (flow.lastRunOn === undefined || state.connector.syncRequestedOn > flow.lastRunOn);
      messages.push(
        toWorkMessage(clock, {
          connectionId: connection.id,
          flow: flow.flow,
          reason: requested ? "sync-now" : "schedule",
          correlationId: (this.deps.newId ?? randomUUID)(),
        }),
      );
    }
    if (messages.length > 0) await queue.enqueueMany(messages);
    return messages.length;
  }
}
