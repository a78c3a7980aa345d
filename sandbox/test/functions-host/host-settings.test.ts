import { loadHostSettings, toHostSettings } from "../../src/functions-host/host-settings";

describe("host.json settings", () => {
  it("applies the queue extension's defaults to an empty host.json", () => {
    expect(toHostSettings({ version: "2.0" })).toStrictEqual({
      routePrefix: "api",
      functionTimeoutMs: 30 * 60_000,
      queues: {
        batchSize: 16,
        newBatchThreshold: 8,
        maxPollingIntervalMs: 2_000,
        visibilityTimeoutMs: 0,
        maxDequeueCount: 5,
        messageEncoding: "base64",
      },
    });
  });

  it("reads the service's azure-functions/host.json", () => {
    const settings = loadHostSettings();
    expect(settings.routePrefix).toBe("api");
    expect(settings.functionTimeoutMs).toBe(10 * 60_000);
    expect(settings.queues).toMatchObject({
      batchSize: 16,
      maxDequeueCount: 5,
      messageEncoding: "base64",
      visibilityTimeoutMs: 30_000,
    });
  });

  it("lays overrides over the file and rejects invalid settings", () => {
    expect(
      toHostSettings(
        { version: "2.0", extensions: { queues: { batchSize: 4 } } },
        { queues: { visibilityTimeoutMs: 0 } },
      ).queues,
    ).toMatchObject({ batchSize: 4, newBatchThreshold: 2, visibilityTimeoutMs: 0 });
    expect(() => toHostSettings({ version: "2.0", extensions: { queues: { batchSize: 64 } } })).toThrow();
    expect(() => toHostSettings({ version: "2.0", functionTimeout: "ten minutes" })).toThrow();
    expect(() => toHostSettings({ version: "1.0" })).toThrow();
  });
});
