// One invocation, the way the host runs it: a fresh InvocationContext, the function's logs routed to the host
// logger, `functionTimeout` enforced, "Executing/Executed" lines like the real host writes, and a count of what is
// running so tests can wait for quiet.
// https://learn.microsoft.com/azure/azure-functions/functions-reference-node#invocation-context
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import { InvocationContext, type InvocationContextInit, type LogLevel } from "@azure/functions";

export interface HostLogEntry {
  level: LogLevel;
  /** "host" for the host's own lines, "function" for what a function logged through its context. */
  category: "host" | "function";
  message: string;
  functionName?: string;
  invocationId?: string;
}

export type HostLogger = (entry: HostLogEntry) => void;

export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutError";
}

export interface InvocationRequest {
  functionName: string;
  /** Why the host started it, as the real host's log line says (e.g. "New queue message detected on 'x'."). */
  reason: string;
  triggerMetadata?: Record<string, unknown>;
  trigger: Record<string, unknown> & { type: string; name: string };
}

/** Tracks running invocations so `waitForIdle` can tell when the host is quiet. */
export class InvocationTracker {
  private running = 0;
  private waiters: Array<() => void> = [];

  get active(): number {
    return this.running;
  }

  begin(): () => void {
    this.running += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running -= 1;
      if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  /** Resolves when nothing runs (immediately if nothing does). */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface Invoker {
  /** Runs `call` with a new context; rejects with the function's error (or FunctionTimeoutError). */
  invoke<T>(request: InvocationRequest, call: (context: InvocationContext) => Promise<T> | T): Promise<T>;
  tracker: InvocationTracker;
}

export function createInvoker(options: { logger: HostLogger; functionTimeoutMs: number }): Invoker {
  const tracker = new InvocationTracker();
  const { logger, functionTimeoutMs } = options;
  return {
    tracker,
    async invoke(request, call) {
      const invocationId = randomUUID();
      const { functionName } = request;
      const init: InvocationContextInit = {
        invocationId,
        functionName,
        logHandler: (level, ...args) =>
          logger({ level, category: "function", functionName, invocationId, message: format(...args) }),
        options: { trigger: request.trigger, extraInputs: [], extraOutputs: [] },
      };
      if (request.triggerMetadata !== undefined) init.triggerMetadata = request.triggerMetadata;
      const context = new InvocationContext(init);
      const end = tracker.begin();
      const started = Date.now();
      logger({
        level: "information",
        category: "host",
        functionName,
        invocationId,
        message: `Executing 'Functions.${functionName}' (Reason='${request.reason}', Id=${invocationId})`,
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new FunctionTimeoutError(
                  `Timeout value of ${functionTimeoutMs} ms exceeded by function 'Functions.${functionName}'`,
                ),
              ),
            functionTimeoutMs,
          );
          timer.unref();
        });
        const result = await Promise.race([Promise.resolve().then(() => call(context)), timeout]);
        logger({
          level: "information",
          category: "host",
          functionName,
          invocationId,
          message: `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
        });
        return result;
      } catch (error) {
        logger({
          level: "error",
          category: "host",
          functionName,
          invocationId,
          message: `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms) ${describeError(error)}`,
        });
        throw error;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        end();
      }
    },
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** What the Node worker does to trigger payloads sent as strings: JSON when it parses, the string otherwise. */
export function fromWorkerString(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The worker lower-cases the first letter of every key of trigger metadata and timer payloads, recursively. */
export function toCamelCaseValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(toCamelCaseValue);
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    result[key.charAt(0).toLowerCase() + key.slice(1)] = toCamelCaseValue(inner);
  return result;
}
