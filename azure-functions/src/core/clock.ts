// The clock port: every expiry, lease, budget window and cursor reads time from here, so tests and the benchmark
// can move through hours of rate-limit windows and token lifetimes without waiting.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to (tests, the benchmark's simulated day). */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError("a clock only moves forward");
    this.current += ms;
  }

  setTime(ms: number): void {
    this.current = ms;
  }
}

export function toIsoString(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
