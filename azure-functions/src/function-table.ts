// The service's own table of functions. The real Functions host gets them through `registerFunctionTable(app, …)`
// (called from functions/index.ts, the app's entry point); the sandbox's local host reads the same table and runs
// the handlers with the host's semantics. One list, two hosts.
import type { HttpHandler, HttpMethod, StorageQueueHandler, TimerHandler } from "@azure/functions";

export interface HttpFunctionDefinition {
  kind: "http";
  name: string;
  /** Route under /api, as in `app.http(name, { route })`. */
  route: string;
  methods: HttpMethod[];
  authLevel: "anonymous" | "function" | "admin";
  handler: HttpHandler;
}

export interface TimerFunctionDefinition {
  kind: "timer";
  name: string;
  /** Six-field NCRONTAB: {second} {minute} {hour} {day} {month} {day-of-week}. */
  schedule: string;
  runOnStartup?: boolean;
  handler: TimerHandler;
}

export interface StorageQueueFunctionDefinition {
  kind: "storageQueue";
  name: string;
  queueName: string;
  /** Name of the app setting holding the storage connection string. */
  connection: string;
  handler: StorageQueueHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | TimerFunctionDefinition | StorageQueueFunctionDefinition;

/** The subset of `@azure/functions`' `app` that registration needs (so tests can pass a recorder). */
export interface FunctionApp {
  http(name: string, options: { route: string; methods: HttpMethod[]; authLevel: HttpFunctionDefinition["authLevel"]; handler: HttpHandler }): void;
  timer(name: string, options: { schedule: string; runOnStartup?: boolean; handler: TimerHandler }): void;
  storageQueue(name: string, options: { queueName: string; connection: string; handler: StorageQueueHandler }): void;
}

export function registerFunctionTable(app: FunctionApp, table: readonly FunctionDefinition[]): void {
  for (const definition of table) {
    switch (definition.kind) {
      case "http":
        app.http(definition.name, {
          route: definition.route,
          methods: definition.methods,
          authLevel: definition.authLevel,
          handler: definition.handler,
        });
        break;
      case "timer":
        app.timer(definition.name, {
          schedule: definition.schedule,
          ...(definition.runOnStartup === undefined ? {} : { runOnStartup: definition.runOnStartup }),
          handler: definition.handler,
        });
        break;
      case "storageQueue":
        app.storageQueue(definition.name, {
          queueName: definition.queueName,
          connection: definition.connection,
          handler: definition.handler,
        });
        break;
    }
  }
}
