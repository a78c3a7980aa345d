// The accounting behind the rate governor, as pure functions over a plain state (stored as JSON in one table row per
// Xero organisation, updated with ETags by rate-governor.ts).
// Xero's limits per organisation per app: 5 concurrent calls, 60 per minute, 5,000 per day (a rolling 24 hours), and
// 10,000 per minute per app across organisations; each answer reports X-MinLimit-Remaining, X-DayLimit-Remaining and
// X-AppMinLimit-Remaining, and a 429 carries Retry-After and X-Rate-Limit-Problem:
// https://developer.xero.com/documentation/guides/oauth2/limits/
import { z } from "zod";

export interface RateLimits {
  concurrent: number;
  perMinute: number;
  perDay: number;
}

export const defaultRateLimits: RateLimits = { concurrent: 5, perMinute: 60, perDay: 5000 };

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

export const RateBudgetState = z.object({
  /** Start times of the calls of the last minute (a sliding log; at most perMinute entries). */
  minute: z.array(z.number()),
  /** [hour start, calls] buckets of the rolling day (hour granularity, counted conservatively). */
  hours: z.array(z.tuple([z.number(), z.number()])),
  /** Calls in flight: permit id → when the permit lapses if its holder never releases it. */
  inFlight: z.record(z.string(), z.number()),
  /** No call before this time (Retry-After, app-wide minute limit). */
  blockedUntil: z.number(),
});
export type RateBudgetState = z.infer<typeof RateBudgetState>;

export const emptyRateBudget: RateBudgetState = { minute: [], hours: [], inFlight: {}, blockedUntil: 0 };

/** What one Xero answer taught us. */
export interface RateObservation {
  minuteRemaining?: number;
  dayRemaining?: number;
  appMinuteRemaining?: number;
  /** From a 429's Retry-After. */
  retryAfterMs?: number;
  /** X-Rate-Limit-Problem: minute | day | concurrent | appminute. */
  problem?: string;
}

export type RateLimitReason = "blocked" | "concurrent" | "minute" | "day";

export type RateDecision =
  | { granted: true; state: RateBudgetState }
  | { granted: false; state: RateBudgetState; reason: RateLimitReason; /** 0 when only a release can help (poll). */ waitMs: number };

const hourOf = (time: number): number => Math.floor(time / hourMs) * hourMs;

/** A bucket counts while any part of its hour lies inside the last 24 hours (so the count never undercounts). */
const bucketCounts = (hourStart: number, now: number): boolean => hourStart + hourMs > now - dayMs;

/** Drops what no longer counts: calls older than a minute, hour buckets out of the day, lapsed permits. */
export function pruneRateBudget(state: RateBudgetState, now: number): RateBudgetState {
  return {
    minute: state.minute.filter((time) => time > now - minuteMs).sort((a, b) => a - b),
    hours: state.hours.filter(([start]) => bucketCounts(start, now)),
    inFlight: Object.fromEntries(Object.entries(state.inFlight).filter(([, lapsesAt]) => lapsesAt > now)),
    blockedUntil: state.blockedUntil > now ? state.blockedUntil : 0,
  };
}

export function callsInLastDay(state: RateBudgetState, now: number): number {
  return state.hours.filter(([start]) => bucketCounts(start, now)).reduce((sum, [, count]) => sum + count, 0);
}

export function callsRemainingToday(state: RateBudgetState, now: number, limits: RateLimits): number {
  return Math.max(0, limits.perDay - callsInLastDay(state, now));
}

function addCalls(hours: readonly [number, number][], now: number, calls: number): [number, number][] {
  const current = hourOf(now);
  const existing = hours.find(([start]) => start === current);
  if (existing === undefined) return [...hours.map(([start, count]) => [start, count] as [number, number]), [current, calls]];
  return hours.map(([start, count]) => [start, start === current ? count + calls : count]);
}

/** When enough day buckets fall out for one more call. */
function dayWaitMs(state: RateBudgetState, now: number, limits: RateLimits): number {
  let excess = callsInLastDay(state, now) - limits.perDay + 1;
  for (const [start, count] of [...state.hours].sort((a, b) => a[0] - b[0])) {
    excess -= count;
    if (excess <= 0) return Math.max(1, start + hourMs + dayMs - now);
  }
  return dayMs;
}

/** Takes a permit for one call when every limit allows it; otherwise says why and how long to wait. */
export function tryAcquire(state: RateBudgetState, request: { now: number; limits: RateLimits; permitId: string; permitTtlMs: number }): RateDecision {
  const { now, limits } = request;
  const current = pruneRateBudget(state, now);
  if (current.blockedUntil > now) return { granted: false, state: current, reason: "blocked", waitMs: current.blockedUntil - now };
  if (callsInLastDay(current, now) >= limits.perDay) return { granted: false, state: current, reason: "day", waitMs: dayWaitMs(current, now, limits) };
  if (current.minute.length >= limits.perMinute) {
    const freeing = current.minute[current.minute.length - limits.perMinute] ?? now;
    return { granted: false, state: current, reason: "minute", waitMs: Math.max(1, freeing + minuteMs - now) };
  }
  if (Object.keys(current.inFlight).length >= limits.concurrent) return { granted: false, state: current, reason: "concurrent", waitMs: 0 };
  return {
    granted: true,
    state: {
      minute: [...current.minute, now],
      hours: addCalls(current.hours, now, 1),
      inFlight: { ...current.inFlight, [request.permitId]: now + request.permitTtlMs },
      blockedUntil: 0,
    },
  };
}

/** Folds what Xero reported into the state: its counts win when they are higher than ours (other callers). */
export function applyObservation(state: RateBudgetState, observation: RateObservation, now: number, limits: RateLimits): RateBudgetState {
  let next = pruneRateBudget(state, now);
  if (observation.minuteRemaining !== undefined) {
    const usedPerXero = Math.min(limits.perMinute, Math.max(0, limits.perMinute - observation.minuteRemaining));
    const missing = usedPerXero - next.minute.length;
    if (missing > 0) next = { ...next, minute: [...next.minute, ...Array.from({ length: missing }, () => now)] };
  }
  if (observation.dayRemaining !== undefined) {
    const usedPerXero = Math.max(0, limits.perDay - observation.dayRemaining);
    const missing = usedPerXero - callsInLastDay(next, now);
    if (missing > 0) next = { ...next, hours: addCalls(next.hours, now, missing) };
  }
  let blockedUntil = next.blockedUntil;
  if (observation.retryAfterMs !== undefined) blockedUntil = Math.max(blockedUntil, now + observation.retryAfterMs);
  if (observation.appMinuteRemaining !== undefined && observation.appMinuteRemaining <= 0) blockedUntil = Math.max(blockedUntil, now + minuteMs);
  return { ...next, blockedUntil };
}

/** Returns a permit (the call finished), folding in what its answer reported. */
export function releasePermit(state: RateBudgetState, release: { permitId: string; now: number; limits: RateLimits; observation?: RateObservation }): RateBudgetState {
  const inFlight = { ...state.inFlight };
  delete inFlight[release.permitId];
  const next = { ...state, inFlight };
  return release.observation === undefined ? pruneRateBudget(next, release.now) : applyObservation(next, release.observation, release.now, release.limits);
}

function headerNumber(headers: Headers | Readonly<Record<string, unknown>>, name: string): number | undefined {
  let raw: unknown;
  if (typeof (headers as Headers).get === "function") raw = (headers as Headers).get(name);
  else raw = Object.entries(headers as Readonly<Record<string, unknown>>).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(raw)) raw = raw[0];
  if (typeof raw === "number") return raw;
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Reads Xero's rate headers from an answer (a xero-node `response.headers` object or a fetch Headers). */
export function toRateObservation(headers: Headers | Readonly<Record<string, unknown>>): RateObservation {
  const observation: RateObservation = {};
  const minute = headerNumber(headers, "x-minlimit-remaining");
  const day = headerNumber(headers, "x-daylimit-remaining");
  const app = headerNumber(headers, "x-appminlimit-remaining");
  const retryAfter = headerNumber(headers, "retry-after");
  if (minute !== undefined) observation.minuteRemaining = minute;
  if (day !== undefined) observation.dayRemaining = day;
  if (app !== undefined) observation.appMinuteRemaining = app;
  if (retryAfter !== undefined) observation.retryAfterMs = retryAfter * 1000;
  const problemHeader =
    typeof (headers as Headers).get === "function"
      ? (headers as Headers).get("x-rate-limit-problem")
      : Object.entries(headers as Readonly<Record<string, unknown>>).find(([key]) => key.toLowerCase() === "x-rate-limit-problem")?.[1];
  if (typeof problemHeader === "string" && problemHeader !== "") observation.problem = problemHeader;
  return observation;
}
