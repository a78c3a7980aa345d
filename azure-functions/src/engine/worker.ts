// The queue worker's work: one `sync-work` message → one flow run for one connection, under a lease so runs of the
// same flow for the same connection never overlap (another instance, a webhook and the timer). Retryable failures are
// rethrown (the host retries with backoff, then moves the message to the poison queue); permanent ones are logged and
// acknowledged — each record's failure is already written on the record by the flow.
import type { SyncWorkMessage, WorkQueue } from "../adapters/queue/work-queue";
import { toWorkMessage } from "../adapters/queue/work-queue";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { LeaseStore } from "../adapters/table-storage/leases";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { FlowName, RunScope } from "../flows/ports";
import type { FlowReport } from "../flows/run-report";
import { toRunScope, type ScheduledScope } from "./schedule";
import type { ScopeStore } from "./scope-store";

export interface FlowRun {
  run(scope: RunScope): Promise<FlowReport>;
}

/** What one connection can run: the flows built over its Dataverse org and Xero organisation. */
export interface ConnectionRuntime {
  flows: Partial<Record<FlowName, FlowRun>>;
  /** The scope from Dataverse when the scheduler left none (real-time work, a replayed message). */
  resolveScope(flow: FlowName): Promise<ScheduledScope | undefined>;
}

export interface WorkerDependencies {
  connections: { get(id: string): Promise<Connection | undefined> };
  runtimeFor(connection: Connection): ConnectionRuntime;
  scopes: ScopeStore;
  leases: Pick<LeaseStore, "withLease">;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  /** How long a run may hold its flow (renewed by long runs). */
  leaseMs?: number;
}

export type WorkOutcome =
  { status: "ran"; report: FlowReport } | { status: "skipped"; reason: string } | { status: "busy" };

export class SyncWorker {
  constructor(private readonly deps: WorkerDependencies) {}

  async handle(message: SyncWorkMessage): Promise<WorkOutcome> {
    const { logger, clock } = this.deps;
    const log = logger.child({
      connectionId: message.connectionId,
      flow: message.flow,
      correlationId: message.correlationId,
    });
    const connection = await this.deps.connections.get(message.connectionId);
    if (connection === undefined) return skipped(log, "the connection no longer exists");
    if (connection.status !== "connected") return skipped(log, `the connection is ${connection.status}`);
    const runtime = this.deps.runtimeFor(connection);
    const flow = runtime.flows[message.flow];
    if (flow === undefined) return skipped(log, "this flow is not run by this service");

    const scheduled =
      (await this.deps.scopes.get(connection.id, message.flow)) ?? (await runtime.resolveScope(message.flow));
    if (scheduled === undefined) return skipped(log, "the connector has no data-flow row for this flow");
    const scope = toRunScope(
      connection.id,
      message.flow,
      scheduled,
      clock.now(),
      message.correlationId,
      message.recordId === undefined ? undefined : [message.recordId],
    );

    try {
      const outcome = await this.deps.leases.withLease(
        connection.id,
        message.flow,
        this.deps.leaseMs ?? 10 * 60_000,
        () => flow.run(scope),
      );
      if (!outcome.ran) {
        // A timed run already holds the flow. Real-time work comes back shortly; the timed run picks up the rest.
        if (message.recordId !== undefined)
          await this.deps.queue.enqueue(
            { ...message, enqueuedAt: new Date(clock.now()).toISOString() },
            { visibilityTimeoutSeconds: 5 },
          );
        log.info("the flow is running elsewhere", { reason: message.reason });
        return { status: "busy" };
      }
      const report = outcome.value;
      await this.deps.scopes.save(connection.id, message.flow, {
        ...scheduled,
        lastRunOn: report.result.ranOn.toISOString(),
      });
      if (report.followUps.length > 0) {
        await this.deps.queue.enqueueMany(
          report.followUps.map((followUp) =>
            toWorkMessage(clock, {
              connectionId: connection.id,
              flow: followUp,
              reason: "retry",
              correlationId: message.correlationId,
            }),
          ),
        );
      }
      log.info("flow run finished", {
        result: report.result.result,
        synced: report.result.synced,
        failed: report.result.failed,
      });
      return { status: "ran", report };
    } catch (thrown) {
      const error = toSyncError(thrown);
      if (error.retryable) throw error;
      log.error("flow run failed permanently", { error });
      return { status: "skipped", reason: error.message };
    }
  }
}

function skipped(log: Logger, reason: string): WorkOutcome {
  log.info("work skipped", { reason });
  return { status: "skipped", reason };
}
