// Timer triggers: each function's schedule, `runOnStartup`, and the `myTimer` payload the worker hands the handler.
// `speedUp` runs the schedule on a virtual clock that goes that many times faster than the wall clock, so
// "every 15 minutes" at speedUp 60 fires every 15 seconds — for demos; 1 is real time.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#usage
import type { Timer } from "@azure/functions";
import type { TimerFunctionDefinition } from "../../../azure-functions/src/function-table";
import type { HostLogger } from "./invocation";
import { parseSchedule, type Schedule } from "./ncrontab";

export interface TimerRunner {
  /** Runs the function now, as the admin endpoint does; resolves when it finished (errors are logged, not thrown). */
  runNow(): Promise<void>;
  stop(): void;
}

/** A clock whose time runs `speedUp` times faster than the wall clock from the moment it is made. */
export interface VirtualClock {
  now(): number;
  /** Wall-clock milliseconds until the virtual clock reads `virtualMs`. */
  realDelayUntil(virtualMs: number): number;
}

export function createVirtualClock(speedUp: number, wallNow: () => number = Date.now): VirtualClock {
  if (!(speedUp > 0)) throw new RangeError("speedUp must be positive");
  const origin = wallNow();
  return {
    now: () => origin + (wallNow() - origin) * speedUp,
    realDelayUntil: (virtualMs) => Math.max(0, (virtualMs - (origin + (wallNow() - origin) * speedUp)) / speedUp),
  };
}

/** The object the Node worker passes as the first argument of a timer function. */
export function toTimerPayload(input: {
  last: number | undefined;
  next: number | null;
  now: number;
  isPastDue: boolean;
}): Timer {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    isPastDue: input.isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: iso(input.last ?? input.now),
      next: input.next === null ? "" : iso(input.next),
      lastUpdated: iso(input.now),
    },
  };
}

// Node's timers overflow past ~24.8 days; long waits are taken in slices.
const maxTimerDelayMs = 2 ** 31 - 1;

export function startTimerRunner(options: {
  definition: TimerFunctionDefinition;
  /** App settings, for `%NAME%` schedules. */
  settings: Readonly<Record<string, string | undefined>>;
  clock: VirtualClock;
  invoke: (payload: Timer, reason: string) => Promise<void>;
  logger: HostLogger;
}): TimerRunner {
  const { definition, clock, invoke, logger } = options;
  const schedule: Schedule = parseSchedule(resolveSetting(definition.schedule, options.settings), clock.now());
  let last: number | undefined;
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;

  const fire = async (scheduled: number | undefined, reason: string): Promise<void> => {
    const now = clock.now();
    const next = schedule.next(now);
    const payload = toTimerPayload({ last, next, now, isPastDue: false });
    last = scheduled ?? now;
    try {
      await invoke(payload, reason);
    } catch {
      // The invoker already logged the failure; a timer just waits for its next occurrence.
    }
  };

  const arm = (): void => {
    if (stopped) return;
    const next = schedule.next(clock.now());
    if (next === null) {
      logger({
        level: "warning",
        category: "host",
        functionName: definition.name,
        message: `Schedule '${schedule.expression}' has no future occurrence`,
      });
      return;
    }
    const wait = (): void => {
      if (stopped) return;
      const delay = clock.realDelayUntil(next);
      if (delay > maxTimerDelayMs) {
        handle = setTimeout(wait, maxTimerDelayMs);
        return;
      }
      handle = setTimeout(() => {
        void fire(next, "Timer fired at " + new Date(next).toISOString()).then(arm);
      }, delay);
    };
    wait();
  };

  logger({
    level: "information",
    category: "host",
    functionName: definition.name,
    message: `Function '${definition.name}' timer schedule '${schedule.expression}'${definition.runOnStartup === true ? " (runOnStartup)" : ""}; next ${formatNext(schedule.next(clock.now()))}`,
  });
  if (definition.runOnStartup === true) void fire(undefined, "IsPastDue=False, runOnStartup").then(arm);
  else arm();

  return {
    runNow: () => fire(undefined, "Manually triggered"),
    stop: () => {
      stopped = true;
      if (handle !== undefined) clearTimeout(handle);
    },
  };
}

function formatNext(next: number | null): string {
  return next === null ? "never" : new Date(next).toISOString();
}

/**
 * `%NAME%` in a binding expression is read from app settings.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-expressions-patterns#binding-expressions---app-settings
 */
export function resolveSetting(expression: string, settings: Readonly<Record<string, string | undefined>>): string {
  const match = /^%([^%]+)%$/.exec(expression.trim());
  if (match === null) return expression;
  const value = settings[match[1] as string];
  if (value === undefined) throw new Error(`app setting '${match[1]}' (used by a timer schedule) is not set`);
  return value;
}
