import { isAuthorised, toSetCookie, type HostKeys } from "../../src/functions-host/http-trigger";
import { fromWorkerString, toCamelCaseValue } from "../../src/functions-host/invocation";
import { decodeBase64Strict, nextEmptyDelay, poisonQueueName } from "../../src/functions-host/queue-trigger";
import { createVirtualClock, resolveSetting, toTimerPayload } from "../../src/functions-host/timer-trigger";

describe("HTTP keys", () => {
  const keys: HostKeys = { functionKeys: { pushInvoice: "fn-key" }, hostKeys: ["host-key"], masterKey: "master-key" };

  it("opens anonymous functions to all and function-level ones to their key, a host key or the master key", () => {
    expect(isAuthorised("anonymous", "pushInvoice", undefined, keys)).toBe(true);
    expect(isAuthorised("function", "pushInvoice", undefined, keys)).toBe(false);
    expect(isAuthorised("function", "pushInvoice", "", keys)).toBe(false);
    expect(isAuthorised("function", "pushInvoice", "fn-key", keys)).toBe(true);
    expect(isAuthorised("function", "other", "fn-key", keys)).toBe(false);
    expect(isAuthorised("function", "other", "host-key", keys)).toBe(true);
    expect(isAuthorised("function", "other", "master-key", keys)).toBe(true);
  });

  it("lets only the master key into admin-level functions", () => {
    expect(isAuthorised("admin", "purge", "host-key", keys)).toBe(false);
    expect(isAuthorised("admin", "purge", "master-key", keys)).toBe(true);
  });
});

describe("HTTP cookies", () => {
  it("serialises every attribute of the library's Cookie", () => {
    expect(
      toSetCookie({
        name: "s",
        value: "v",
        domain: "example.com",
        path: "/",
        expires: Date.UTC(2030, 0, 1),
        maxAge: 60,
        secure: true,
        httpOnly: true,
        sameSite: "Strict",
      }),
    ).toBe(
      "s=v; Domain=example.com; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Strict",
    );
  });
});

describe("queue messages", () => {
  it("decodes base64 strictly, as .NET does", () => {
    expect(decodeBase64Strict(Buffer.from('{"a":1}').toString("base64"))).toBe('{"a":1}');
    expect(decodeBase64Strict("aGVs\nbG8=")).toBe("hello");
    expect(decodeBase64Strict('{"a":1}')).toBeNull();
    expect(decodeBase64Strict("abc")).toBeNull();
  });

  it("parses payloads the way the Node worker does", () => {
    expect(fromWorkerString('{"flow":"InvoicesToXero"}')).toStrictEqual({ flow: "InvoicesToXero" });
    expect(fromWorkerString("42")).toBe(42);
    expect(fromWorkerString("plain")).toBe("plain");
    expect(toCamelCaseValue({ DequeueCount: 1, QueueTrigger: { Flow: "x" } })).toStrictEqual({
      dequeueCount: 1,
      queueTrigger: { flow: "x" },
    });
  });

  it("backs off exponentially while the queue is empty, up to the maximum", () => {
    const middle = () => 0.5;
    expect(nextEmptyDelay(100, 60_000, middle)).toBe(200);
    expect(nextEmptyDelay(200, 60_000, middle)).toBe(400);
    expect(nextEmptyDelay(40_000, 60_000, middle)).toBe(60_000);
    expect(nextEmptyDelay(1_000, 60_000, () => 0)).toBe(1_600);
    expect(poisonQueueName("sync-work")).toBe("sync-work-poison");
  });
});

describe("timers", () => {
  it("runs a virtual clock speedUp times faster than the wall clock", () => {
    let wall = 1_000_000;
    const clock = createVirtualClock(60, () => wall);
    wall += 1_000;
    expect(clock.now()).toBe(1_000_000 + 60_000);
    expect(clock.realDelayUntil(1_000_000 + 15 * 60_000)).toBe(14_000);
    expect(() => createVirtualClock(0)).toThrow(RangeError);
  });

  it("builds the timer object the worker passes, and reads %SETTING% schedules", () => {
    const now = Date.UTC(2026, 0, 1, 0, 15);
    expect(
      toTimerPayload({ last: Date.UTC(2026, 0, 1), next: Date.UTC(2026, 0, 1, 0, 30), now, isPastDue: false }),
    ).toStrictEqual({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: "2026-01-01T00:00:00.000Z",
        next: "2026-01-01T00:30:00.000Z",
        lastUpdated: "2026-01-01T00:15:00.000Z",
      },
    });
    expect(resolveSetting("%SCHEDULE%", { SCHEDULE: "0 */5 * * * *" })).toBe("0 */5 * * * *");
    expect(resolveSetting("0 */5 * * * *", {})).toBe("0 */5 * * * *");
    expect(() => resolveSetting("%MISSING%", {})).toThrow(/MISSING/);
  });
});
