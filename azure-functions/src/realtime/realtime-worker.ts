// Real-time work from the `sync-work` queue (Dataverse and Xero webhooks): one message names one record, but the
// worker syncs every record of that flow with an event waiting (the markers), in rounds, under the same lease as the
// timed run of the flow. So:
// - many events for one record, or for many records, within a run become one sync (coalescing);
// - an event while a timed run holds the lease comes back a moment later (the message is re-sent with a short
//   visibility delay), and by then the record is usually synced: the flow's selection re-reads the row and finds
//   nothing to do. Nothing is pushed twice: pushes run one at a time per flow and connection, and the flow's
//   journal and write-back (the commit point) cover a crash in between.
// Push flows run for exactly the marked records (the timed flow's batch code with a selection of those ids); the
// payments pull runs targeted (the named invoices' payments); other pulls run whole (their cursor finds the change).
// Retryable failures are rethrown so the host retries with backoff and poisons after five tries.
import type { SyncWorkMessage, WorkQueue } from "../adapters/queue/work-queue";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { LeaseStore } from "../adapters/table-storage/leases";
import type { ConnectionContext } from "../composition";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { readConnectorFlows } from "../engine/data-flows";
import { toRunScope, toScheduledScope } from "../engine/schedule";
import type { ConnectionRuntime, WorkOutcome } from "../engine/worker";
import type { FlowName, RunScope } from "../flows/ports";
import type { FlowReport } from "../flows/run-report";
import type { Marker, RealtimeStore } from "./realtime-store";
import type { TargetedRun } from "./targeted-pull";

/** Flows the push side runs per record. */
const perRecordFlows = new Set<FlowName>(["InvoicesToXero", "CreditNotesToXero"]);

/** Flows real-time messages may name. */
export const realtimeFlows = new Set<FlowName>([
  "InvoicesToXero",
  "CreditNotesToXero",
  "PaymentsFromXero",
  "CreditNotesFromXero",
  "InvoicesFromXero",
  "ContactsFromXero",
]);

/** Whether a queue message is real-time work for this worker (a webhook's record). */
export function isRealtimeWork(message: SyncWorkMessage): boolean {
  return (
    message.recordId !== undefined &&
    realtimeFlows.has(message.flow) &&
    (message.reason === "realtime" || message.reason === "webhook" || message.reason === "replay")
  );
}

export interface RealtimeWorkerDependencies {
  connections: { get(id: string): Promise<Connection | undefined> };
  runtimeFor(connection: Connection): ConnectionRuntime;
  contextFor(connection: Connection): ConnectionContext;
  targetedRunsFor(context: ConnectionContext): Partial<Record<FlowName, TargetedRun>>;
  store: RealtimeStore;
  leases: Pick<LeaseStore, "withLease">;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  /** Records per round (one Xero batch is 50). */
  batchSize?: number;
  /** Rounds per message before the rest is handed to a new message. */
  maxRounds?: number;
  /** How long a message waits before trying again while the flow runs elsewhere. */
  busyDelaySeconds?: number;
  leaseMs?: number;
  /** Events younger than this are given that long to gather before the first round (a burst becomes one run). */
  gatherMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type RealtimeOutcome =
  | WorkOutcome
  | { status: "coalesced" }
  | { status: "drained"; rounds: number; records: number; synced: number; failed: number };

export class RealtimeWorker {
  constructor(private readonly deps: RealtimeWorkerDependencies) {}

  async handle(message: SyncWorkMessage): Promise<RealtimeOutcome> {
    const { store, clock } = this.deps;
    const recordId = message.recordId ?? "";
    const log = this.deps.logger.child({
      connectionId: message.connectionId,
      flow: message.flow,
      recordId,
      correlationId: message.correlationId,
    });
    const connection = await this.deps.connections.get(message.connectionId);
    if (connection === undefined || connection.status !== "connected" || connection.connectorId === null) {
      await this.forget(message);
      return skipped(
        log,
        connection === undefined ? "the connection no longer exists" : `the connection is ${connection.status}`,
      );
    }
    // Another run already took this record's event (it merged into that run): nothing left to do.
    const replay = message.reason === "replay";
    if (!replay && !(await store.isMarked(connection.id, message.flow, recordId))) {
      log.debug("real-time event already synced by an earlier run");
      return { status: "coalesced" };
    }

    const context = this.deps.contextFor(connection);
    const state = await readConnectorFlows(context.dataverse, connection.connectorId);
    const row = state?.flows.find((candidate) => candidate.flow === message.flow);
    if (state === undefined || row === undefined || !state.connector.enabled || !row.enabled) {
      await this.forget(message);
      return skipped(log, "the connector or its data flow is off");
    }
    const run = this.runnerFor(connection, context, message.flow);
    if (run === undefined) {
      await this.forget(message);
      return skipped(log, "this flow is not run by this service");
    }
    // The run writes no data-flow row: that row reports the timed runs, and its last run time paces them.
    const scope = withoutDataFlow(
      toRunScope(
        connection.id,
        message.flow,
        toScheduledScope(row, state.connector, clock.now()),
        clock.now(),
        message.correlationId,
      ),
    );

    try {
      const outcome = await this.deps.leases.withLease(
        connection.id,
        message.flow,
        this.deps.leaseMs ?? 10 * 60_000,
        () => this.drain(connection, message, scope, run, replay ? recordId : undefined),
      );
      if (!outcome.ran) {
        await this.deps.queue.enqueue(
          { ...message, enqueuedAt: new Date(clock.now()).toISOString() },
          { visibilityTimeoutSeconds: this.deps.busyDelaySeconds ?? 1 },
        );
        log.info("the flow is running elsewhere; the event waits", { reason: message.reason });
        return { status: "busy" };
      }
      log.info("real-time work synced", { ...outcome.value });
      return outcome.value;
    } catch (thrown) {
      const error = toSyncError(thrown);
      if (error.retryable) throw error;
      // A permanent failure of the whole run: each record's own failure is on the record; the markers go.
      await this.forget(message);
      log.error("real-time run failed permanently", { error });
      return { status: "skipped", reason: error.message };
    }
  }

  /** Rounds of "take every waiting marker, sync those records, settle the markers" until none wait. */
  private async drain(
    connection: Connection,
    message: SyncWorkMessage,
    scope: Omit<RunScope, "dataFlowId">,
    run: (scope: RunScope, ids: readonly string[]) => Promise<FlowReport>,
    replayed: string | undefined,
  ): Promise<{ status: "drained"; rounds: number; records: number; synced: number; failed: number }> {
    const { store } = this.deps;
    const batchSize = this.deps.batchSize ?? 50;
    const maxRounds = this.deps.maxRounds ?? 20;
    const totals = { status: "drained" as const, rounds: 0, records: 0, synced: 0, failed: 0 };
    let extra = replayed;
    for (; totals.rounds < maxRounds; totals.rounds++) {
      let markers: Marker[] = await store.listMarkers(connection.id, message.flow, batchSize);
      if (totals.rounds === 0 && markers.length > 0 && markers.length < batchSize) {
        // A user saving several records fires several events within milliseconds: wait for the rest of the burst.
        const newest = Math.max(...markers.map((marker) => Date.parse(marker.lastRequestedAt)));
        const wait = Math.min(this.deps.gatherMs ?? 150, newest + (this.deps.gatherMs ?? 150) - this.deps.clock.now());
        if (wait > 0) {
          await (this.deps.sleep ?? realSleep)(wait);
          markers = await store.listMarkers(connection.id, message.flow, batchSize);
        }
      }
      const ids = markers.map((marker) => marker.recordId);
      if (extra !== undefined && !ids.includes(extra.toLowerCase())) ids.push(extra.toLowerCase());
      extra = undefined;
      if (ids.length === 0) return totals;
      const report = await run(scope, ids);
      totals.records += ids.length;
      totals.synced += report.result.synced;
      totals.failed += report.result.failed;
      // Markers an event touched during the run stay, and the next round looks at their records again.
      await store.settle(connection.id, message.flow, markers);
    }
    if ((await store.listMarkers(connection.id, message.flow, 1)).length > 0) {
      // Still more: a new message carries on, so one invocation never runs unbounded.
      await this.deps.queue.enqueue({
        ...message,
        reason: message.reason === "replay" ? "realtime" : message.reason,
        enqueuedAt: new Date(this.deps.clock.now()).toISOString(),
      });
    }
    return totals;
  }

  private runnerFor(
    connection: Connection,
    context: ConnectionContext,
    flow: FlowName,
  ): ((scope: RunScope, ids: readonly string[]) => Promise<FlowReport>) | undefined {
    if (perRecordFlows.has(flow)) {
      const pushFlow = this.deps.runtimeFor(connection).flows[flow];
      return pushFlow === undefined ? undefined : (scope, ids) => pushFlow.run({ ...scope, recordIds: [...ids] });
    }
    const targeted = this.deps.targetedRunsFor(context)[flow];
    if (targeted !== undefined) return targeted;
    const whole = this.deps.runtimeFor(connection).flows[flow];
    return whole === undefined ? undefined : (scope) => whole.run(scope);
  }

  /** Drops the waiting markers of a flow that will not run (so they do not pile up). */
  private async forget(message: SyncWorkMessage): Promise<void> {
    const markers = await this.deps.store.listMarkers(message.connectionId, message.flow, 1000);
    if (markers.length > 0) await this.deps.store.settle(message.connectionId, message.flow, markers);
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function withoutDataFlow(scope: RunScope): Omit<RunScope, "dataFlowId"> {
  const copy = { ...scope };
  delete copy.dataFlowId;
  return copy;
}

function skipped(log: Logger, reason: string): WorkOutcome {
  log.info("real-time work skipped", { reason });
  return { status: "skipped", reason };
}
