// Which data flows are due: pure rules over the Xero Data Flow rows (enabled, interval, window) and the connector
// (enabled, connected, Sync now). Reference data refreshes hourly at most, however short its interval is set.
import { z } from "zod";
import type { FlowName, RunScope } from "../flows/ports";

export const DataFlowState = z.object({
  dataFlowId: z.string(),
  flow: z.string(),
  enabled: z.boolean(),
  intervalMinutes: z.number().int().positive(),
  windowDays: z.number().int().positive(),
  lastRunOn: z.date().optional(),
});
export type DataFlowState = z.infer<typeof DataFlowState> & { flow: FlowName };

export interface ConnectorState {
  connectorId: string;
  enabled: boolean;
  isDefault: boolean;
  connected: boolean;
  /** Set by the *Sync now* command. */
  syncRequestedOn?: Date;
  /** The Real-time switch (`mag_realtimeenabled`); the scheduler keeps the webhook registration in step with it. */
  realtimeEnabled?: boolean;
}

/** What the scheduler keeps per connection + flow between runs (Table Storage). */
export const ScheduledScope = z.object({
  connectorId: z.string(),
  dataFlowId: z.string(),
  isDefaultConnector: z.boolean(),
  windowDays: z.number().int().positive(),
  lastRunOn: z.iso.datetime().optional(),
  enqueuedAt: z.iso.datetime().optional(),
});
export type ScheduledScope = z.infer<typeof ScheduledScope>;

/** Hourly at most for reference data (the reference docs sync it "prior to each sync cycle"; Xero changes it rarely). */
export const minimumIntervalMinutes: Partial<Record<FlowName, number>> = { ReferenceData: 60 };

/** A run taking longer than this is presumed dead: its flow may be enqueued again. */
export const staleEnqueueMs = 30 * 60_000;

export function isDue(flow: DataFlowState, connector: ConnectorState, now: number, enqueuedAt?: Date): boolean {
  if (!connector.enabled || !connector.connected || !flow.enabled) return false;
  const lastRun = flow.lastRunOn?.getTime();
  // Already queued and not yet run: do not queue it twice.
  if (
    enqueuedAt !== undefined &&
    (lastRun === undefined || enqueuedAt.getTime() > lastRun) &&
    now - enqueuedAt.getTime() < staleEnqueueMs
  )
    return false;
  if (lastRun === undefined) return true;
  if (connector.syncRequestedOn !== undefined && connector.syncRequestedOn.getTime() > lastRun) return true;
  const interval = Math.max(flow.intervalMinutes, minimumIntervalMinutes[flow.flow] ?? 0);
  return now - lastRun >= interval * 60_000;
}

export function toScheduledScope(flow: DataFlowState, connector: ConnectorState, now: number): ScheduledScope {
  return {
    connectorId: connector.connectorId,
    dataFlowId: flow.dataFlowId,
    isDefaultConnector: connector.isDefault,
    windowDays: flow.windowDays,
    ...(flow.lastRunOn === undefined ? {} : { lastRunOn: flow.lastRunOn.toISOString() }),
    enqueuedAt: new Date(now).toISOString(),
  };
}

/** The run's scope: "Sync last X days" counts back from now. */
export function toRunScope(
  connectionId: string,
  flow: FlowName,
  scheduled: ScheduledScope,
  now: number,
  correlationId: string,
  recordIds?: readonly string[],
): RunScope {
  return {
    connectionId,
    connectorId: scheduled.connectorId,
    isDefaultConnector: scheduled.isDefaultConnector,
    flow,
    modifiedSince: new Date(now - scheduled.windowDays * 86_400_000),
    correlationId,
    dataFlowId: scheduled.dataFlowId,
    ...(scheduled.lastRunOn === undefined ? {} : { lastRunOn: new Date(scheduled.lastRunOn) }),
    ...(recordIds === undefined || recordIds.length === 0 ? {} : { recordIds: [...recordIds] }),
  };
}
