// The Xero webhook receiver's logic: verify the signature over the raw body (constant time), answer intent to
// receive, drop events already accepted (Xero resends payloads it thinks failed), map each tenant to its
// connections and enqueue targeted pulls. Xero wants 200 with an empty body within 5 seconds, 401 for a bad signature:
// https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/
import { randomUUID } from "node:crypto";
import { toWorkMessage, type SyncWorkMessage, type WorkQueue } from "../adapters/queue/work-queue";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { ConnectionDirectory } from "./directory";
import type { RealtimeStore } from "./realtime-store";
import {
  parseXeroWebhookPayload,
  toEventKey,
  toXeroWork,
  verifyXeroSignature,
  type XeroWebhookEvent,
  type XeroWebhookPayload,
} from "./xero-events";

const eventsInParallel = 16;

export type XeroWebhookOutcome =
  | { status: 401; reason: string }
  | { status: 400; reason: string }
  | { status: 200; events: number; duplicates: number; unknownTenants: number; enqueued: number };

export interface XeroReceiverDependencies {
  /** The app's webhook signing key; undefined means the service cannot check, so every call is refused. */
  webhookKey: string | undefined;
  directory: Pick<ConnectionDirectory, "forTenant">;
  store: Pick<RealtimeStore, "claimEvent" | "releaseEvent" | "mark">;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

export async function receiveXeroWebhook(
  rawBody: Uint8Array,
  signature: string | undefined,
  deps: XeroReceiverDependencies,
): Promise<XeroWebhookOutcome> {
  if (deps.webhookKey === undefined) {
    deps.logger.error("XERO_WEBHOOK_KEY is not set; Xero webhooks are refused");
    return { status: 401, reason: "no webhook key configured" };
  }
  if (!verifyXeroSignature(deps.webhookKey, rawBody, signature)) return { status: 401, reason: "bad signature" };
  let payload: XeroWebhookPayload;
  try {
    payload = parseXeroWebhookPayload(rawBody);
  } catch (thrown) {
    return { status: 400, reason: toSyncError(thrown).message };
  }
  const outcome = {
    status: 200 as const,
    events: payload.events.length,
    duplicates: 0,
    unknownTenants: 0,
    enqueued: 0,
  };
  const take = async (event: XeroWebhookEvent): Promise<void> => {
    const connections = await deps.directory.forTenant(event.tenantId);
    if (connections.length === 0) {
      outcome.unknownTenants += 1;
      return;
    }
    const key = toEventKey(event);
    if (!(await deps.store.claimEvent(event.tenantId, key))) {
      outcome.duplicates += 1;
      return;
    }
    const correlationId = (deps.newId ?? randomUUID)();
    const messages: SyncWorkMessage[] = [];
    for (const connection of connections) {
      for (const work of toXeroWork(event)) {
        messages.push(
          toWorkMessage(deps.clock, {
            connectionId: connection.id,
            flow: work.flow,
            reason: "webhook",
            recordId: work.recordId,
            correlationId,
          }),
        );
      }
    }
    try {
      for (const message of messages)
        await deps.store.mark(message.connectionId, message.flow, message.recordId ?? "", correlationId);
      await deps.queue.enqueueMany(messages);
    } catch (thrown) {
      // Not claimed after all: Xero retries the payload when we fail, and the retry must not be taken for a duplicate.
      await deps.store.releaseEvent(event.tenantId, key);
      throw thrown;
    }
    outcome.enqueued += messages.length;
    deps.logger.info("Xero event enqueued", {
      tenantId: event.tenantId,
      category: event.eventCategory,
      resourceId: event.resourceId,
      correlationId,
      messages: messages.length,
    });
  };
  // Intent to receive has no events. Events are taken a few at a time: Xero wants the answer within 5 seconds.
  for (let index = 0; index < payload.events.length; index += eventsInParallel) {
    await Promise.all(payload.events.slice(index, index + eventsInParallel).map(take));
  }
  return outcome;
}
