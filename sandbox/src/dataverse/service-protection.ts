// Service protection: past a budget of requests per organisation in a sliding 5-minute window, 429 with
// Retry-After and error 0x80072322. https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
import type { Clock } from "../clock";
import { DataverseError } from "./errors";

export const windowMs = 300_000;
/** Dataverse's documented limit per user: 6,000 requests in 5 minutes. */
export const defaultRequestsPer5Min = 6000;

export class ServiceProtection {
  private readonly requests = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly budget: number,
  ) {}

  /** Records one request for the org, or throws the 429 when the window is full. */
  admit(org: string): void {
    const now = this.clock.now();
    const recent = (this.requests.get(org) ?? []).filter((at) => at > now - windowMs);
    if (recent.length >= this.budget) {
      this.requests.set(org, recent);
      const oldest = recent[0] ?? now;
      const retryAfter = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
      throw new DataverseError(
        429,
        "0x80072322",
        `Number of requests exceeded the limit of ${this.budget} over time window of 300 seconds.`,
        { "Retry-After": String(retryAfter) },
      );
    }
    recent.push(now);
    this.requests.set(org, recent);
  }
}
