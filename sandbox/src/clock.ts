// The injectable clock every emulator (and the service) reads time from, so a benchmark can live through a day of
// rate-limit windows in seconds.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: `advance` for tests, `setTime` to jump. */
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
