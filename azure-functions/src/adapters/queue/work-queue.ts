// The work queue: `sync-work` carries one message per connection + flow (or per record for real-time work). The
// Functions host reads Storage Queue messages as base64 by default (host.json `messageEncoding`) and hands the
// handler the decoded JSON: https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#encoding
// After `maxDequeueCount` failed deliveries the host moves a message, unchanged, to `<queue>-poison`.
import { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/logger";
import { mag_flow } from "../../generated/dataverse";

export const syncWorkQueueName = "sync-work";
export const poisonQueueNameOf = (queueName: string): string => `${queueName}-poison`;

export const flowNames = Object.keys(mag_flow) as [keyof typeof mag_flow, ...(keyof typeof mag_flow)[]];
export const FlowName = z.enum(flowNames);
export type FlowName = z.infer<typeof FlowName>;

export const workReasons = ["schedule", "sync-now", "webhook", "realtime", "retry", "onboarding", "replay"] as const;

export const SyncWorkMessage = z.object({
  connectionId: z.string().min(1),
  flow: FlowName,
  reason: z.enum(workReasons),
  /** Real-time work for one record (Dataverse webhook, Xero webhook). */
  recordId: z.string().min(1).optional(),
  correlationId: z.string().min(1),
  enqueuedAt: z.iso.datetime(),
});
export type SyncWorkMessage = z.infer<typeof SyncWorkMessage>;

/** A message body as the host expects it: base64 of the JSON. */
export function toQueueMessageText(message: SyncWorkMessage): string {
  return Buffer.from(JSON.stringify(SyncWorkMessage.parse(message)), "utf8").toString("base64");
}

/** Reads a stored message text (base64 JSON, or plain JSON written with `messageEncoding: none`). */
export function fromQueueMessageText(text: string): SyncWorkMessage {
  const trimmed = text.trim();
  const json = trimmed.startsWith("{") ? trimmed : Buffer.from(trimmed, "base64").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new SyncError("a queue message is not JSON", { kind: "validation", origin: "system", details: { source: "storage", type: "InvalidMessage" } });
  }
  return SyncWorkMessage.parse(parsed);
}

/** The queue trigger's payload (the host already decoded and parsed it) to a message, or a validation SyncError. */
export function toSyncWorkMessage(queueItem: unknown): SyncWorkMessage {
  const result = SyncWorkMessage.safeParse(typeof queueItem === "string" ? safeJson(queueItem) : queueItem);
  if (!result.success) throw toSyncError(result.error);
  return result.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface EnqueueOptions {
  /** Deliver no earlier than this many seconds from now (a rate-limit wait, a retry's backoff). */
  visibilityTimeoutSeconds?: number;
}

export interface WorkQueue {
  enqueue(message: SyncWorkMessage, options?: EnqueueOptions): Promise<void>;
  enqueueMany(messages: readonly SyncWorkMessage[], options?: EnqueueOptions): Promise<void>;
}

/** Builds a message with its timestamp from the clock. */
export function toWorkMessage(
  clock: Clock,
  work: { connectionId: string; flow: FlowName; reason: SyncWorkMessage["reason"]; correlationId: string; recordId?: string },
): SyncWorkMessage {
  return { ...work, enqueuedAt: new Date(clock.now()).toISOString() };
}

export function openQueue(connectionString: string, queueName: string): QueueClient {
  return new QueueClient(connectionString, queueName);
}

/** The Storage Queue implementation. */
export function createStorageWorkQueue(options: { connectionString: string; queueName?: string; logger?: Logger }): WorkQueue & { ensureQueues(): Promise<void> } {
  const queueName = options.queueName ?? syncWorkQueueName;
  const queue = openQueue(options.connectionString, queueName);
  const logger = options.logger ?? silentLogger;
  const enqueue = async (message: SyncWorkMessage, enqueueOptions: EnqueueOptions = {}): Promise<void> => {
    try {
      await queue.sendMessage(toQueueMessageText(message), {
        ...(enqueueOptions.visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeout: Math.max(0, Math.min(604_800, Math.ceil(enqueueOptions.visibilityTimeoutSeconds))) }),
      });
    } catch (error) {
      throw toSyncError(error, "storage");
    }
    logger.debug("work enqueued", { connectionId: message.connectionId, flow: message.flow, reason: message.reason, correlationId: message.correlationId });
  };
  return {
    enqueue,
    async enqueueMany(messages, enqueueOptions) {
      // Storage Queues have no batch send; a handful in parallel keeps fan-out quick without flooding.
      for (let index = 0; index < messages.length; index += 16) {
        await Promise.all(messages.slice(index, index + 16).map((message) => enqueue(message, enqueueOptions)));
      }
    },
    async ensureQueues() {
      await queue.createIfNotExists();
      await openQueue(options.connectionString, poisonQueueNameOf(queueName)).createIfNotExists();
    },
  };
}

/** An in-memory queue for tests of code that enqueues. */
export function createMemoryWorkQueue(): WorkQueue & { messages: { message: SyncWorkMessage; options: EnqueueOptions }[] } {
  const messages: { message: SyncWorkMessage; options: EnqueueOptions }[] = [];
  return {
    messages,
    enqueue(message, options = {}) {
      messages.push({ message: SyncWorkMessage.parse(message), options });
      return Promise.resolve();
    },
    enqueueMany(list, options = {}) {
      for (const message of list) messages.push({ message: SyncWorkMessage.parse(message), options });
      return Promise.resolve();
    },
  };
}

export interface ReplaySummary {
  replayed: number;
  /** Messages left in the poison queue because they are not valid work (with why). */
  invalid: { messageId: string; reason: string }[];
}

/**
 * Moves poison messages back onto their queue (reason `replay`, same correlation id) and deletes them from the poison
 * queue; messages that are not valid work stay where they are and are reported.
 */
export async function replayPoison(options: { connectionString: string; queueName?: string; clock: Clock; logger?: Logger; maxMessages?: number }): Promise<ReplaySummary> {
  const queueName = options.queueName ?? syncWorkQueueName;
  const poison = openQueue(options.connectionString, poisonQueueNameOf(queueName));
  const target = createStorageWorkQueue({ connectionString: options.connectionString, queueName, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  const logger = options.logger ?? silentLogger;
  const summary: ReplaySummary = { replayed: 0, invalid: [] };
  const seen = new Set<string>();
  const limit = options.maxMessages ?? 10_000;
  if (!(await poison.exists())) return summary;
  await target.ensureQueues();
  while (summary.replayed + summary.invalid.length < limit) {
    // Invalid messages are hidden for a while so one pass sees every message once.
    const batch = await poison.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
    const items = batch.receivedMessageItems.filter((item) => !seen.has(item.messageId));
    if (items.length === 0) break;
    for (const item of items) {
      seen.add(item.messageId);
      let message: SyncWorkMessage;
      try {
        message = fromQueueMessageText(item.messageText);
      } catch (error) {
        const reason = toSyncError(error).message;
        summary.invalid.push({ messageId: item.messageId, reason });
        logger.warn("poison message is not valid work; left in place", { messageId: item.messageId, reason });
        continue;
      }
      await target.enqueue({ ...message, reason: "replay", enqueuedAt: new Date(options.clock.now()).toISOString() });
      await poison.deleteMessage(item.messageId, item.popReceipt);
      summary.replayed++;
    }
  }
  return summary;
}
