// The timer's work: for every connected connection, read its connector and data flows (one Dataverse request), and
// enqueue one `sync-work` message per due flow, leaving the flow's scope in the scope store for the worker. The same
// read carries the connector's Real-time switch; the real-time port compares it with what the service last registered
// (Table Storage), so only a change of the switch costs Dataverse requests.
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

/** What following the switch did: nothing to do, a registration or removal, or why it did not try this cycle. */
export type RealtimeSwitchOutcome = "unchanged" | "registered" | "removed" | "failed" | "waiting" | "held" | "busy";

/**
 * Keeps a connection's real-time webhook in step with its connector's Real-time switch (`mag_realtimeenabled`).
 * Built by `../realtime/registration.ts` (`createRealtimeSwitch`); it reports its own failures (back-off, Last Error)
 * and only rejects when its own store is unreachable.
 */
export interface RealtimeSwitch {
  follow(request: {
    connection: Connection;
    dataverse: DataversePort;
    enabled: boolean;
  }): Promise<RealtimeSwitchOutcome>;
}

export interface SchedulerDependencies {
  connections: { list(): Promise<Connection[]> };
  dataverseFor(connection: Connection): DataversePort;
  queue: WorkQueue;
  scopes: ScopeStore;
  clock: Clock;
  logger: Logger;
  /** Absent: the switch is left to onboarding and `npm run webhooks`. */
  realtime?: RealtimeSwitch;
  newId?: () => string;
}

export interface ScheduleSummary {
  connections: number;
  enqueued: number;
  failedConnections: number;
  /** Connections whose webhook was registered or removed this cycle to follow the switch. */
  realtimeChanged: number;
  /** Connections whose registration failed this cycle (retried after the back-off). */
  realtimeFailed: number;
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
    const summary: ScheduleSummary = {
      connections: connections.length,
      enqueued: 0,
      failedConnections: 0,
      realtimeChanged: 0,
      realtimeFailed: 0,
    };
    for (const connection of connections) {
      try {
        const scheduled = await this.scheduleConnection(connection);
        summary.enqueued += scheduled.enqueued;
        if (scheduled.realtime === "registered" || scheduled.realtime === "removed") summary.realtimeChanged += 1;
        if (scheduled.realtime === "failed") summary.realtimeFailed += 1;
      } catch (thrown) {
        // One connection's trouble (expired Dynamics credentials) never stops the others.
        summary.failedConnections += 1;
        logger.warn("could not schedule a connection", { connectionId: connection.id, error: toSyncError(thrown) });
      }
    }
    logger.info("scheduled sync work", { ...summary, at: new Date(clock.now()).toISOString() });
    return summary;
  }

  private async scheduleConnection(
    connection: Connection,
  ): Promise<{ enqueued: number; realtime: RealtimeSwitchOutcome | undefined }> {
    const { clock, scopes, queue } = this.deps;
    const connectorId = connection.connectorId as string;
    const dataverse = this.deps.dataverseFor(connection);
    const state = await readConnectorFlows(dataverse, connectorId);
    if (state === undefined) return { enqueued: 0, realtime: undefined };
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
    // After the fan-out: a slow or failing registration never delays or stops the flows.
    return { enqueued: messages.length, realtime: await this.followRealtime(connection, dataverse, state.connector) };
  }

  private async followRealtime(
    connection: Connection,
    dataverse: DataversePort,
    connector: { realtimeEnabled?: boolean },
  ): Promise<RealtimeSwitchOutcome | undefined> {
    const { realtime, logger } = this.deps;
    if (realtime === undefined || connector.realtimeEnabled === undefined) return undefined;
    try {
      return await realtime.follow({ connection, dataverse, enabled: connector.realtimeEnabled });
    } catch (thrown) {
      logger.warn("could not follow the Real-time switch", { connectionId: connection.id, error: toSyncError(thrown) });
      return "failed";
    }
  }
}
