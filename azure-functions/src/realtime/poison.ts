// Work that failed on its last delivery: the host is about to move the message to `sync-work-poison`. Before the
// failure is rethrown it is surfaced where an administrator looks: the connector's *Last Error* and a *Xero Sync Log*
// row. The message itself stays in the poison queue for `npm run support -- replay-poison` once the cause is fixed
// (a trigger on the poison queue would consume it and leave nothing to replay).
// Poison messages: https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages
import type { DataversePort } from "../adapters/dataverse/port";
import { toKeySegment } from "../adapters/dataverse/odata";
import type { SyncWorkMessage } from "../adapters/queue/work-queue";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { Clock } from "../core/clock";
import { toRecordMessage, type SyncError } from "../core/errors";
import { invoice, mag_creditnote, mag_flow, mag_xeroconnector, mag_xerosynclog } from "../generated/dataverse";

/** host.json `extensions.queues.maxDequeueCount`. */
export const maxDequeueCount = 5;

/** True on the delivery after which the host gives the message up (`triggerMetadata.dequeueCount`). */
export function isLastDelivery(triggerMetadata: Record<string, unknown> | undefined, limit = maxDequeueCount): boolean {
  const count = Number(triggerMetadata?.["dequeueCount"]);
  return Number.isFinite(count) && count >= limit;
}

const recordTables: Partial<Record<SyncWorkMessage["flow"], string>> = {
  InvoicesToXero: invoice.logicalName,
  CreditNotesToXero: mag_creditnote.logicalName,
  InvoiceEmailsToXero: invoice.logicalName,
};

/** The text an administrator reads: what gave up, and how to send it again. */
export function toPoisonText(message: SyncWorkMessage, error: SyncError, attempts: number): string {
  const what =
    message.recordId === undefined ? `The ${message.flow} run` : `${message.flow} for record ${message.recordId}`;
  return `${what} failed ${attempts} times and was set aside: ${toRecordMessage(error)} Once the cause is fixed, replay it with "npm run support -- replay-poison" (correlation id ${message.correlationId}).`;
}

export interface PoisonDependencies {
  connections: { get(id: string): Promise<Connection | undefined> };
  dataverseFor(connection: Connection): DataversePort;
  clock: Clock;
}

/** Writes the connector's last error and a sync log row in one $batch; false when there is nowhere to write. */
export async function recordPoisonedWork(
  deps: PoisonDependencies,
  message: SyncWorkMessage,
  error: SyncError,
  attempts = maxDequeueCount,
): Promise<boolean> {
  const connection = await deps.connections.get(message.connectionId);
  if (connection === undefined || connection.connectorId === null || connection.dataverse === null) return false;
  const text = toPoisonText(message, error, attempts);
  const lc = mag_xerosynclog.columns;
  const results = await deps.dataverseFor(connection).executeBatch(
    [
      {
        method: "PATCH",
        path: `${mag_xeroconnector.entitySetName}${toKeySegment(connection.connectorId)}`,
        headers: { "If-Match": "*" },
        body: { [mag_xeroconnector.columns.mag_lasterror]: text },
      },
      {
        method: "POST",
        path: mag_xerosynclog.entitySetName,
        body: {
          [lc.mag_name]: `${message.flow}: set aside after ${attempts} tries`.slice(0, 100),
          [`${mag_xerosynclog.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${connection.connectorId})`,
          [lc.mag_flow]: mag_flow[message.flow],
          [lc.mag_recordtable]: recordTables[message.flow] ?? mag_xeroconnector.logicalName,
          [lc.mag_recordid]: message.recordId ?? connection.connectorId,
          [lc.mag_errorkind]: error.kind,
          [lc.mag_errortext]: text,
          [lc.mag_occurredon]: new Date(deps.clock.now()).toISOString(),
          [lc.mag_retrycount]: attempts,
          [lc.mag_correlationid]: message.correlationId,
        },
      },
    ],
    { continueOnError: true },
  );
  return results.every((result) => result.status < 300);
}
