// Storage Queue triggers, polled the way the queue extension does it:
// - batches of `batchSize`, a new batch once no more than `newBatchThreshold` messages are in flight;
// - a randomised exponential back-off while the queue is empty, capped at `maxPollingInterval`, 100 ms after a hit;
// - messages held invisible for 10 minutes while a function runs (renewed half-way), deleted on success;
// - on failure the message becomes visible again after `visibilityTimeout`; once its dequeue count reaches
//   `maxDequeueCount` it is copied to `<queue>-poison` and deleted;
// - `messageEncoding: base64` (the default): a message that is not valid base64 goes straight to the poison queue;
// - the payload reaches the handler as the Node worker gives it: parsed JSON when it parses, the string otherwise,
//   with `triggerMetadata` carrying id, dequeueCount, insertionTime, expirationTime, nextVisibleTime, popReceipt.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#polling-algorithm
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#message-metadata
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#hostjson-settings
import { QueueClient, type DequeuedMessageItem } from "@azure/storage-queue";
import type { StorageQueueFunctionDefinition } from "../../../azure-functions/src/function-table";
import type { QueueSettings } from "./host-settings";
import { describeError, fromWorkerString, toCamelCaseValue, type HostLogger } from "./invocation";

export interface QueueListener {
  readonly queueName: string;
  /** Messages received and not yet settled (deleted, released or poisoned). */
  readonly inFlight: number;
  /** Polls again now, with the back-off reset (tests use it to avoid waiting out an idle interval). */
  poke(): void;
  /** True when the queue holds no message, visible or not. */
  isDrained(): Promise<boolean>;
  stop(): Promise<void>;
}

/** The invisibility the host takes a message under while a function runs. */
const processingVisibilitySeconds = 10 * 60;
const minPollingMs = 100;
const firstEmptyWaitMs = 200;
const stopGraceMs = 10_000;

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

/** Base64 as .NET's Convert.FromBase64String accepts it (whitespace ignored, padding required). */
export function decodeBase64Strict(text: string): string | null {
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, "base64").toString("utf8");
}

/** The next wait after an empty poll: doubled with ±20% jitter, capped at the maximum. */
export function nextEmptyDelay(previousMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = previousMs < firstEmptyWaitMs ? firstEmptyWaitMs : previousMs * 2;
  const jittered = base * (0.8 + random() * 0.4);
  return Math.min(maxMs, Math.max(minPollingMs, Math.round(jittered)));
}

/** Trigger metadata as the worker exposes it for a queue message (PascalCase keys camel-cased, dates as ISO). */
export function toQueueTriggerMetadata(message: DequeuedMessageItem, payload: unknown): Record<string, unknown> {
  return toCamelCaseValue({
    QueueTrigger: payload,
    DequeueCount: message.dequeueCount,
    ExpirationTime: message.expiresOn.toISOString(),
    Id: message.messageId,
    InsertionTime: message.insertedOn.toISOString(),
    NextVisibleTime: message.nextVisibleOn.toISOString(),
    PopReceipt: message.popReceipt,
  }) as Record<string, unknown>;
}

export function startQueueListener(options: {
  definition: StorageQueueFunctionDefinition;
  connectionString: string;
  settings: QueueSettings;
  /** Runs the handler; rejects when it failed. */
  invoke: (payload: unknown, triggerMetadata: Record<string, unknown>) => Promise<void>;
  logger: HostLogger;
}): QueueListener {
  const { definition, settings, invoke, logger } = options;
  const queue = new QueueClient(options.connectionString, definition.queueName);
  const poison = new QueueClient(options.connectionString, poisonQueueName(definition.queueName));
  const functionName = definition.name;
  const log = (level: "information" | "warning" | "error", message: string) =>
    logger({ level, category: "host", functionName, message });

  let stopped = false;
  let inFlight = 0;
  let delayMs = minPollingMs;
  const settling = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  let capacityFreed: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const moveToPoison = async (message: DequeuedMessageItem, popReceipt: string, why: string): Promise<void> => {
    await poison.createIfNotExists();
    await poison.sendMessage(message.messageText);
    await queue.deleteMessage(message.messageId, popReceipt);
    log("warning", `${why} Moving message '${message.messageId}' to queue '${poisonQueueName(definition.queueName)}'.`);
  };

  const process = async (message: DequeuedMessageItem): Promise<void> => {
    let popReceipt = message.popReceipt;
    if (message.dequeueCount > settings.maxDequeueCount) {
      await moveToPoison(
        message,
        popReceipt,
        `Message has a dequeue count above MaxDequeueCount of ${settings.maxDequeueCount}.`,
      );
      return;
    }
    const text = settings.messageEncoding === "base64" ? decodeBase64Strict(message.messageText) : message.messageText;
    if (text === null) {
      await moveToPoison(message, popReceipt, "Message is not valid base64 (host.json messageEncoding is base64).");
      return;
    }
    const renew = setInterval(
      () => {
        void queue
          .updateMessage(message.messageId, popReceipt, undefined, processingVisibilitySeconds)
          .then((answer) => {
            if (answer.popReceipt !== undefined) popReceipt = answer.popReceipt;
          })
          .catch((error: unknown) =>
            log("warning", `Could not renew visibility of message '${message.messageId}': ${describeError(error)}`),
          );
      },
      (processingVisibilitySeconds * 1000) / 2,
    );
    renew.unref();
    const payload = fromWorkerString(text);
    let failed = false;
    try {
      await invoke(payload, toQueueTriggerMetadata(message, payload));
    } catch {
      failed = true;
    } finally {
      clearInterval(renew);
    }
    if (!failed) {
      await queue.deleteMessage(message.messageId, popReceipt);
      return;
    }
    if (message.dequeueCount >= settings.maxDequeueCount) {
      await moveToPoison(message, popReceipt, `Message has reached MaxDequeueCount of ${settings.maxDequeueCount}.`);
      return;
    }
    await queue.updateMessage(
      message.messageId,
      popReceipt,
      undefined,
      Math.floor(settings.visibilityTimeoutMs / 1000),
    );
  };

  const track = (message: DequeuedMessageItem): void => {
    inFlight += 1;
    const settled = process(message)
      .catch((error: unknown) =>
        log("error", `Could not settle message '${message.messageId}': ${describeError(error)}`),
      )
      .finally(() => {
        inFlight -= 1;
        settling.delete(settled);
        capacityFreed?.();
      });
    settling.add(settled);
  };

  const receive = async (): Promise<DequeuedMessageItem[]> => {
    try {
      const answer = await queue.receiveMessages({
        numberOfMessages: settings.batchSize,
        visibilityTimeout: processingVisibilitySeconds,
      });
      return answer.receivedMessageItems;
    } catch (error) {
      // A queue nobody created yet is just an empty queue to the listener; it does not create it.
      if (isQueueNotFound(error)) return [];
      log("warning", `Polling '${definition.queueName}' failed: ${describeError(error)}`);
      return [];
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      if (inFlight > settings.newBatchThreshold) {
        await new Promise<void>((resolve) => {
          capacityFreed = () => {
            if (inFlight <= settings.newBatchThreshold || stopped) {
              capacityFreed = undefined;
              resolve();
            }
          };
        });
        continue;
      }
      const messages = await receive();
      if (stopped) {
        // Hand back what was just taken so another host (or the next start) sees it at once.
        await Promise.all(
          messages.map((m) => queue.updateMessage(m.messageId, m.popReceipt, undefined, 0).catch(() => undefined)),
        );
        break;
      }
      for (const message of messages) track(message);
      delayMs = messages.length > 0 ? minPollingMs : nextEmptyDelay(delayMs, settings.maxPollingIntervalMs);
      await sleep(delayMs);
    }
  };

  const running = loop().catch((error: unknown) =>
    log("error", `Listener for '${definition.queueName}' stopped: ${describeError(error)}`),
  );

  return {
    queueName: definition.queueName,
    get inFlight() {
      return inFlight;
    },
    poke() {
      delayMs = minPollingMs;
      wake?.();
    },
    async isDrained() {
      try {
        const properties = await queue.getProperties();
        return (properties.approximateMessagesCount ?? 0) === 0;
      } catch (error) {
        if (isQueueNotFound(error)) return true;
        throw error;
      }
    },
    async stop() {
      stopped = true;
      wake?.();
      capacityFreed?.();
      await running;
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...settling]),
        new Promise<void>((resolve) => {
          grace = setTimeout(resolve, stopGraceMs);
          grace.unref();
        }),
      ]);
      if (grace !== undefined) clearTimeout(grace);
    },
  };
}

function isQueueNotFound(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "statusCode" in error &&
    (error as { statusCode?: number }).statusCode === 404
  );
}
