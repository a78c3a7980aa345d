// The pure rules of following the Real-time switch (decision, back-off, failed state, the administrator's text) and
// the registration claim, over the in-memory realtime store.
import { ManualClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";
import { createMemoryRealtimeStore, type RegistrationState } from "../../src/realtime/realtime-store";
import {
  decideRegistration,
  firstRetryDelayMs,
  maxRetryDelayMs,
  registrationClaimMs,
  toFailedState,
  toRegistrationErrorText,
  toRetryDelayMs,
  withRegistrationClaim,
} from "../../src/realtime/registration";

const now = Date.UTC(2026, 2, 2, 9, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

describe("decideRegistration", () => {
  const synced = (registered: boolean): RegistrationState => ({ registered, syncedAt: iso(now - 3_600_000) });
  const failed = (failedFor: boolean, retryAfter: number): RegistrationState => ({
    registered: !failedFor,
    failedFor,
    failures: 1,
    retryAfter: iso(retryAfter),
    lastError: "Real-time could not be switched on",
  });

  it.each([
    ["no state, switch off (onboarded without real-time)", undefined, false, "unchanged"],
    ["no state, switch on", undefined, true, "follow"],
    ["registered, switch on", synced(true), true, "unchanged"],
    ["removed, switch off", synced(false), false, "unchanged"],
    ["registered, switch off", synced(true), false, "follow"],
    ["removed, switch on", synced(false), true, "follow"],
    ["held by support, switch on", { registered: false, held: true }, true, "held"],
    ["held by support, switch off", { registered: false, held: true }, false, "held"],
    ["failed, within the back-off", failed(true, now + 1), true, "waiting"],
    ["failed, back-off over", failed(true, now), true, "follow"],
    ["failed, switch moved since (partial rows to clean)", failed(true, now + 60_000), false, "follow"],
    ["failed, no readable retry time", { registered: false, failedFor: true, failures: 1 }, true, "follow"],
  ] as const)("%s → %s", (_label, state, enabled, expected) => {
    expect(decideRegistration(state, enabled, now)).toBe(expected);
  });
});

describe("back-off", () => {
  it("starts at 15 minutes, doubles per failure in a row and stops at 4 hours", () => {
    expect([1, 2, 3, 4, 5, 6, 12].map(toRetryDelayMs)).toStrictEqual([
      15 * 60_000,
      30 * 60_000,
      60 * 60_000,
      120 * 60_000,
      240 * 60_000,
      240 * 60_000,
      maxRetryDelayMs,
    ]);
    expect(toRetryDelayMs(0)).toBe(firstRetryDelayMs);
  });

  it("counts failures for the same switch value and keeps what was registered", () => {
    const first = toFailedState({ registered: true, syncedAt: iso(now - 1) }, false, now);
    expect(first).toStrictEqual({
      registered: true,
      syncedAt: iso(now - 1),
      failedFor: false,
      failures: 1,
      retryAfter: iso(now + firstRetryDelayMs),
    });
    const second = toFailedState({ ...first, lastError: "x" }, false, now + firstRetryDelayMs);
    expect(second).toMatchObject({ failures: 2, retryAfter: iso(now + firstRetryDelayMs + 2 * firstRetryDelayMs) });
    expect(second).not.toHaveProperty("lastError");
    // The admin flipped the switch: a new series.
    expect(toFailedState(second, true, now)).toMatchObject({ registered: true, failedFor: true, failures: 1 });
    expect(toFailedState(undefined, true, now)).toStrictEqual({
      registered: false,
      failedFor: true,
      failures: 1,
      retryAfter: iso(now + firstRetryDelayMs),
    });
  });
});

describe("toRegistrationErrorText", () => {
  const retryAfter = iso(now + firstRetryDelayMs);

  it("names the missing privilege on Dataverse's 403 and says when it is tried again", () => {
    const error = new SyncError("Dataverse refused the request", {
      kind: "auth",
      details: {
        source: "dataverse",
        status: 403,
        message: "Principal user is missing prvCreateSdkMessageProcessingStep privilege",
      },
    });
    expect(toRegistrationErrorText(true, error, retryAfter)).toBe(
      `Real-time could not be switched on: the service's application user may not register webhooks (service endpoints and SDK message processing steps). Give its security role those privileges (the System Customizer role has them). Dynamics 365 said: Principal user is missing prvCreateSdkMessageProcessingStep privilege The service tries again after ${retryAfter} (UTC).`,
    );
    expect(toRegistrationErrorText(false, error, retryAfter)).toMatch(
      /^Real-time could not be switched off: .* may not remove webhooks/,
    );
  });

  it("asks for reauthorisation on a refused credential and stays generic for the service's own trouble", () => {
    const refused = new SyncError("Entra refused", { kind: "auth", details: { source: "entra", status: 401 } });
    expect(toRegistrationErrorText(true, refused, retryAfter)).toContain("reauthorise the connection");
    const outage = new SyncError("Dataverse answered 503", {
      kind: "transient",
      details: { source: "dataverse", status: 503 },
    });
    expect(toRegistrationErrorText(true, outage, retryAfter)).toBe(
      `Real-time could not be switched on: A temporary problem stopped this record from syncing; it will be retried. The service tries again after ${retryAfter} (UTC).`,
    );
  });
});

describe("withRegistrationClaim", () => {
  it("gives up at once without waiting, and runs once the holder released", async () => {
    const clock = new ManualClock(now);
    const store = createMemoryRealtimeStore(clock);
    const held = await store.claimRegistration("conn-1", registrationClaimMs);
    let runs = 0;
    const work = () => Promise.resolve(++runs);
    expect(await withRegistrationClaim(store, "conn-1", work, { wait: false, clock })).toStrictEqual({ ran: false });
    // Another connection is not blocked.
    expect(await withRegistrationClaim(store, "conn-2", work, { wait: false, clock })).toStrictEqual({
      ran: true,
      value: 1,
    });
    await held?.release();
    expect(await withRegistrationClaim(store, "conn-1", work, { wait: false, clock })).toStrictEqual({
      ran: true,
      value: 2,
    });
    // Released after the work: free again.
    expect(await store.claimRegistration("conn-1", registrationClaimMs)).toBeDefined();
  });

  it("waits for a crashed holder's claim to expire, and releases even when the work throws", async () => {
    const clock = new ManualClock(now);
    const store = createMemoryRealtimeStore(clock);
    await store.claimRegistration("conn-1", registrationClaimMs);
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    };
    expect(
      await withRegistrationClaim(store, "conn-1", () => Promise.resolve("done"), { wait: true, clock, sleep }),
    ).toStrictEqual({
      ran: true,
      value: "done",
    });
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(registrationClaimMs);
    await expect(
      withRegistrationClaim(store, "conn-1", () => Promise.reject(new Error("boom")), { wait: false, clock }),
    ).rejects.toThrow("boom");
    expect(await store.claimRegistration("conn-1", registrationClaimMs)).toBeDefined();
  });

  it("without a store runs the work unguarded (a caller with no realtime table)", async () => {
    expect(await withRegistrationClaim(undefined, "conn-1", () => Promise.resolve(7), { wait: false })).toStrictEqual({
      ran: true,
      value: 7,
    });
  });
});
