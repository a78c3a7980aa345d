// The Dataverse webhook receiver's logic: authenticate, parse, map the organisation to its connection, record the
// event and enqueue a small message, then answer 202. Never any Dataverse or Xero call inline: Dataverse waits for
// the answer (60 s at most) and the work belongs to the queue worker.
// Dataverse signs nothing; with WebhookKey auth the key arrives as `?code=`:
// https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook#webhookkey
// Dataverse may deliver an event more than once, so the work is idempotent (markers merge, pushes reconcile).
import { randomUUID } from "node:crypto";
import { toWorkMessage, type WorkQueue } from "../adapters/queue/work-queue";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { safeEqual, signHmacSha256 } from "../security/hmac";
import { toDataverseWork } from "./dataverse-events";
import type { ConnectionDirectory } from "./directory";
import type { RealtimeStore } from "./realtime-store";
import { parseRemoteExecutionContext, type RemoteExecutionContext } from "./remote-execution-context";

/** A header that carries the key instead of `?code=` (an HttpHeader endpoint, or a proxy that strips queries). */
export const webhookKeyHeader = "x-xc-webhook-key";

/**
 * The key one connection's webhook presents: derived from the service's secret and the connection id, so nothing
 * is stored, each organisation has its own, and one org's key opens no other org's door.
 */
export function toDataverseWebhookKey(secret: string, connectionId: string): string {
  return signHmacSha256(secret, `xero-connector/dataverse-webhook/v1/${connectionId}`, "base64url");
}

export interface IncomingWebhook {
  query(name: string): string | undefined;
  header(name: string): string | undefined;
  body: string;
}

export type DataverseWebhookOutcome =
  | { status: 401; reason: string }
  | { status: 400; reason: string }
  | { status: 202; result: "enqueued"; connectionId: string; recordId: string; correlationId: string }
  | { status: 202; result: "ignored"; reason: string };

export interface DataverseReceiverDependencies {
  /** The secret webhook keys derive from. */
  keySecret: string;
  directory: ConnectionDirectory;
  store: Pick<RealtimeStore, "mark">;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

export async function receiveDataverseWebhook(
  request: IncomingWebhook,
  deps: DataverseReceiverDependencies,
): Promise<DataverseWebhookOutcome> {
  const presented = request.query("code") ?? request.header(webhookKeyHeader);
  if (presented === undefined || presented === "") return { status: 401, reason: "no webhook key" };

  let context: RemoteExecutionContext;
  try {
    context = parseRemoteExecutionContext(request.body);
  } catch (thrown) {
    return { status: 400, reason: toSyncError(thrown).message };
  }

  // The registered URL names the connection (an org may hold more than one); otherwise the organisation decides.
  const named = request.query("connection");
  const connection =
    named !== undefined && named !== ""
      ? await deps.directory.byId(named)
      : await deps.directory.forOrganisation(context.organizationId, request.header("x-ms-dynamics-organization"));
  // An organisation we do not know cannot present a valid key: answered like a wrong key.
  if (connection === undefined) return { status: 401, reason: "unknown organisation" };
  if (!safeEqual(toDataverseWebhookKey(deps.keySecret, connection.id), presented))
    return { status: 401, reason: "wrong webhook key" };
  await deps.directory.remember(context.organizationId, connection);

  const sizeExceeded = (request.header("x-ms-dynamics-msg-size-exceeded") ?? "").toLowerCase() === "true";
  const work = toDataverseWork(context, sizeExceeded);
  if (work.kind === "ignore") return { status: 202, result: "ignored", reason: work.reason };
  if (connection.status !== "connected" || connection.connectorId === null)
    return { status: 202, result: "ignored", reason: `the connection is ${connection.status}` };

  const correlationId =
    context.correlationId ?? request.header("x-ms-correlation-request-id") ?? (deps.newId ?? randomUUID)();
  await deps.store.mark(connection.id, work.flow, work.recordId, correlationId);
  await deps.queue.enqueue(
    toWorkMessage(deps.clock, {
      connectionId: connection.id,
      flow: work.flow,
      reason: "realtime",
      recordId: work.recordId,
      correlationId,
    }),
  );
  deps.logger.info("real-time work enqueued", {
    connectionId: connection.id,
    flow: work.flow,
    recordId: work.recordId,
    correlationId,
    sizeExceeded,
  });
  return { status: 202, result: "enqueued", connectionId: connection.id, recordId: work.recordId, correlationId };
}
