import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { startAzurite, type Azurite } from "../src/azurite";

describe("startAzurite", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("serves tables and queues through the real SDKs", async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, "smoke", { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    const entity = await table.getEntity<{ value: number }>("p", "r");
    expect(entity.value).toBe(42);

    const queue = new QueueClient(azurite.connectionString, "smoke");
    await queue.create();
    await queue.sendMessage(Buffer.from("hello").toString("base64"));
    const received = await queue.receiveMessages();
    expect(Buffer.from(received.receivedMessageItems[0]?.messageText ?? "", "base64").toString()).toBe("hello");
  });
});
