import { spawn } from "node:child_process";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { AzuriteStartError, defaultStartTimeoutMs, startAzurite, type Azurite } from "../src/azurite";

describe("startAzurite", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("serves tables and queues through the real SDKs", async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, "smoke", {
      allowInsecureConnection: true,
    });
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

describe("Azurite's lifetime", () => {
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitUntil = async (condition: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return condition();
  };

  it("refuses a port something already listens on instead of using that server", async () => {
    const first = await startAzurite();
    try {
      await expect(startAzurite({ queuePort: first.queuePort })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });

  it("waits up to a minute by default: a loaded CI machine has needed more than 20 s", () => {
    expect(defaultStartTimeoutMs).toBe(60_000);
  });

  it("a start that times out kills its process and waits for it to exit before rejecting", async () => {
    // No Node process opens a port within a millisecond of being spawned, so this start always times out.
    const failure = await startAzurite({ startTimeoutMs: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzuriteStartError);
    const { pid, message } = failure as AzuriteStartError;
    expect(message).toMatch(/not open after 1 ms/);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("stops with stop() and takes its process with it", async () => {
    const azurite = await startAzurite();
    expect(isAlive(azurite.pid)).toBe(true);
    await azurite.stop();
    expect(await waitUntil(() => !isAlive(azurite.pid))).toBe(true);
  });

  it("exits by itself when the process that started it is killed outright", async () => {
    // A parent that starts Azurite, reports its pid, then waits to be SIGKILLed (no chance to clean up).
    const script = `require(${JSON.stringify(require.resolve("tsx/cjs"))});
      require(${JSON.stringify(require.resolve("../src/azurite"))}).startAzurite().then((a) => console.log("AZURITE " + a.pid));
      setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /AZURITE (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)));
    });
    expect(isAlive(pid)).toBe(true);
    parent.kill("SIGKILL");
    expect(await waitUntil(() => !isAlive(pid))).toBe(true);
  });
});
