import { QueueClient } from "@azure/storage-queue";
import type { Azurite } from "../../../../sandbox/src/azurite";
import {
  createMemoryWorkQueue,
  createStorageWorkQueue,
  fromQueueMessageText,
  replayPoison,
  toQueueMessageText,
  toSyncWorkMessage,
  toWorkMessage,
  type SyncWorkMessage,
} from "../../../src/adapters/queue/work-queue";
import { ManualClock } from "../../../src/core/clock";
import { SyncError } from "../../../src/core/errors";
import { createMemoryLogger } from "../../../src/core/logger";
import { findSecretsInLogs } from "../../support/log-scan";
import { startStorage } from "../../support/storage";

const logger = createMemoryLogger();

const clock = new ManualClock(Date.UTC(2026, 1, 1));
const message: SyncWorkMessage = toWorkMessage(clock, { connectionId: "c1", flow: "InvoicesToXero", reason: "schedule", correlationId: "corr-1" });

describe("queue messages", () => {
  it("round-trips through base64 JSON", () => {
    const text = toQueueMessageText(message);
    expect(JSON.parse(Buffer.from(text, "base64").toString("utf8"))).toStrictEqual({ ...message });
    expect(fromQueueMessageText(text)).toStrictEqual(message);
    expect(fromQueueMessageText(JSON.stringify(message))).toStrictEqual(message);
  });

  it("validates what a trigger receives", () => {
    expect(toSyncWorkMessage({ ...message, recordId: "r1" })).toStrictEqual({ ...message, recordId: "r1" });
    expect(() => toSyncWorkMessage({ ...message, flow: "Everything" })).toThrow(SyncError);
    expect(() => toSyncWorkMessage("not json")).toThrow(SyncError);
  });

  it("an in-memory queue records what was enqueued", async () => {
    const queue = createMemoryWorkQueue();
    await queue.enqueue(message, { visibilityTimeoutSeconds: 30 });
    expect(queue.messages).toStrictEqual([{ message, options: { visibilityTimeoutSeconds: 30 } }]);
  });
});

describe("Storage Queue (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("enqueues base64 JSON the Functions host can read, with a delay when asked", async () => {
    const queue = createStorageWorkQueue({ connectionString: azurite.connectionString, queueName: "work-a" });
    await queue.ensureQueues();
    await queue.enqueueMany([message, { ...message, flow: "PaymentsFromXero" }]);
    await queue.enqueue({ ...message, flow: "ReferenceData" }, { visibilityTimeoutSeconds: 3600 });
    const client = new QueueClient(azurite.connectionString, "work-a");
    const received = await client.receiveMessages({ numberOfMessages: 32 });
    expect(received.receivedMessageItems.map((item) => fromQueueMessageText(item.messageText).flow).sort()).toStrictEqual(["InvoicesToXero", "PaymentsFromXero"]);
    expect((await client.getProperties()).approximateMessagesCount).toBe(3);
  });

  it("replays poison messages and leaves invalid ones with a reason", async () => {
    const queue = createStorageWorkQueue({ connectionString: azurite.connectionString, queueName: "work-b" });
    await queue.ensureQueues();
    const poison = new QueueClient(azurite.connectionString, "work-b-poison");
    await poison.sendMessage(toQueueMessageText(message));
    await poison.sendMessage(toQueueMessageText({ ...message, flow: "CreditNotesToXero", recordId: "r9" }));
    await poison.sendMessage(Buffer.from("{broken").toString("base64"));
    clock.advance(1000);
    const summary = await replayPoison({ connectionString: azurite.connectionString, queueName: "work-b", clock, logger });
    expect(summary.replayed).toBe(2);
    expect(summary.invalid).toHaveLength(1);
    expect(summary.invalid[0]?.reason).toMatch(/not JSON/);
    const replayed = (await new QueueClient(azurite.connectionString, "work-b").receiveMessages({ numberOfMessages: 32 })).receivedMessageItems.map((item) =>
      fromQueueMessageText(item.messageText),
    );
    expect(replayed.map((item) => [item.flow, item.reason, item.recordId, item.correlationId, item.enqueuedAt]).sort()).toStrictEqual([
      ["CreditNotesToXero", "replay", "r9", "corr-1", "2026-02-01T00:00:01.000Z"],
      ["InvoicesToXero", "replay", undefined, "corr-1", "2026-02-01T00:00:01.000Z"],
    ]);
    expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
  });

  it("logged replays without a token, secret or code", () => {
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(findSecretsInLogs(logger.entries, [])).toStrictEqual([]);
  });
});
