// The local Functions host: runs the service's function table (azure-functions/src/function-table.ts) with the
// real host's semantics — HTTP triggers with keys under the route prefix, NCRONTAB timers, Storage Queue triggers
// against Azurite — reading the same azure-functions/host.json. Azure Functions Core Tools cannot be installed
// here; anyone who has it runs the same registrations with `func start` (see azure-functions/src/functions/index.ts).
// https://learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from "../../../azure-functions/src/function-table";
import { rememberIssuedSecret } from "../issued-secrets";
import { loadHostSettings, type HostSettings, type HostSettingsOverrides } from "./host-settings";
import {
  BodyTooLargeError,
  findRoute,
  isAuthorised,
  presentedKey,
  readBody,
  requestLimits,
  toHttpRequest,
  toHttpRoutes,
  writeHttpResponse,
  type HostKeys,
} from "./http-trigger";
import { createInvoker, describeError, fromWorkerString, type HostLogger } from "./invocation";
import { startQueueListener, type QueueListener } from "./queue-trigger";
import { createVirtualClock, startTimerRunner, type TimerRunner } from "./timer-trigger";

export type { HostLogEntry, HostLogger } from "./invocation";
export type { HostSettings, HostSettingsOverrides, QueueSettings } from "./host-settings";

export interface FunctionsHostOptions {
  table: readonly FunctionDefinition[];
  /** 0 or absent: a free port. */
  port?: number;
  /** App settings (what local.settings.json's `Values` holds); queue `connection` names are looked up here. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The storage account behind `AzureWebJobsStorage` (Azurite's connection string). */
  storageConnectionString: string;
  /** Per-function keys; a function without one still accepts the host key and the master key. */
  functionKeys?: Readonly<Record<string, string>>;
  /** The host's default key (works on every function-level function); random when absent. */
  hostKey?: string;
  /** The master key (the only one admin-level functions and the admin API accept); random when absent. */
  masterKey?: string;
  /** Timer schedules run this many times faster than real time (demo only); 1 by default. */
  speedUp?: number;
  logger?: HostLogger;
  /** host.json to read; azure-functions/host.json by default. */
  hostJsonPath?: string;
  /** Settings laid over host.json (tests shorten retry delays with it). */
  settings?: HostSettingsOverrides;
}

export interface FunctionsHost {
  /** http://127.0.0.1:<port> */
  url: string;
  /** url + "/" + route prefix, where HTTP functions live. */
  apiUrl: string;
  /** The host key: pass it as `code` or `x-functions-key` to any function-level function. */
  functionKey: string;
  masterKey: string;
  settings: HostSettings;
  /** What the host runs, by name and trigger kind. */
  functions: ReadonlyArray<{ name: string; kind: FunctionDefinition["kind"] }>;
  /** Runs a timer function now (as `POST /admin/functions/<name>` does); resolves when it finished. */
  runTimer(name: string): Promise<void>;
  /** Resolves when every trigger queue is empty and no invocation runs; rejects after `timeoutMs`. */
  waitForIdle(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const logger: HostLogger = options.logger ?? (() => undefined);
  const settings = loadHostSettings(options.hostJsonPath, options.settings);
  const appSettings: Record<string, string | undefined> = {
    AzureWebJobsStorage: options.storageConnectionString,
    ...options.env,
  };
  assertValidNames(options.table);
  const keys: HostKeys = {
    functionKeys: options.functionKeys ?? {},
    hostKeys: [options.hostKey ?? newKey()],
    masterKey: options.masterKey ?? newKey(),
  };
  rememberIssuedSecret(...Object.values(keys.functionKeys), ...keys.hostKeys, keys.masterKey);
  const invoker = createInvoker({ logger, functionTimeoutMs: settings.functionTimeoutMs });
  const http = options.table.filter((d): d is HttpFunctionDefinition => d.kind === "http");
  const timers = options.table.filter((d): d is TimerFunctionDefinition => d.kind === "timer");
  const queues = options.table.filter((d): d is StorageQueueFunctionDefinition => d.kind === "storageQueue");
  const routes = toHttpRoutes(http);
  const connectionFor = (definition: StorageQueueFunctionDefinition): string => {
    const value = appSettings[definition.connection];
    if (value === undefined || value === "") {
      throw new Error(
        `Storage account connection string '${definition.connection}' (function '${definition.name}') does not exist in the app settings`,
      );
    }
    return value;
  };
  const queueConnections = new Map(queues.map((definition) => [definition.name, connectionFor(definition)]));

  const invokeQueue = (
    definition: StorageQueueFunctionDefinition,
    payload: unknown,
    triggerMetadata: Record<string, unknown>,
  ) =>
    invoker
      .invoke(
        {
          functionName: definition.name,
          reason: `New queue message detected on '${definition.queueName}'.`,
          triggerMetadata,
          trigger: {
            type: "queueTrigger",
            name: "queueItem",
            queueName: definition.queueName,
            connection: definition.connection,
          },
        },
        (context) => definition.handler(payload, context),
      )
      .then(() => undefined);

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      logger({ level: "error", category: "host", message: `Request failed: ${describeError(error)}` });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const prefix = settings.routePrefix === "" ? "" : `/${settings.routePrefix.replace(/^\/+|\/+$/g, "")}`;

  const clock = createVirtualClock(options.speedUp ?? 1);
  const timerRunners = new Map<string, TimerRunner>();
  const listeners: QueueListener[] = [];
  try {
    for (const definition of timers) {
      timerRunners.set(
        definition.name,
        startTimerRunner({
          definition,
          settings: appSettings,
          clock,
          logger,
          invoke: (payload, reason) =>
            invoker
              .invoke(
                {
                  functionName: definition.name,
                  reason,
                  trigger: { type: "timerTrigger", name: "myTimer", schedule: definition.schedule },
                },
                (context) => definition.handler(payload, context),
              )
              .then(() => undefined),
        }),
      );
    }
    for (const definition of queues) {
      listeners.push(
        startQueueListener({
          definition,
          connectionString: queueConnections.get(definition.name) as string,
          settings: settings.queues,
          logger,
          invoke: (payload, metadata) => invokeQueue(definition, payload, metadata),
        }),
      );
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  logger({
    level: "information",
    category: "host",
    message: `Functions host listening on ${url}: ${options.table.map((d) => `${d.name} (${d.kind})`).join(", ") || "no functions"}`,
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (Buffer.byteLength(request.url ?? "/") > requestLimits.maxUrlBytes) {
      response.writeHead(414).end();
      return;
    }
    const requestUrl = new URL(request.url ?? "/", url);
    const method = (request.method ?? "GET").toUpperCase();
    const path = requestUrl.pathname;

    const admin = /^\/admin\/functions\/([^/]+)\/?$/.exec(path);
    if (admin !== null) {
      await handleAdminInvoke(decodeURIComponent(admin[1] as string), method, requestUrl, request, response);
      return;
    }
    // Routing ignores case, the prefix included.
    const lowerPath = path.toLowerCase();
    const lowerPrefix = prefix.toLowerCase();
    if (lowerPrefix !== "" && lowerPath !== lowerPrefix && !lowerPath.startsWith(`${lowerPrefix}/`)) {
      if (path === "/" && (method === "GET" || method === "HEAD")) {
        // The real host answers its root with a "Your Functions app is up and running" page.
        response
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(
            "<!doctype html><title>Functions</title><p>Your Functions 4.0 app is up and running (local sandbox host).</p>",
          );
        return;
      }
      response.writeHead(404).end();
      return;
    }
    const found = findRoute(routes, method, path.slice(prefix.length));
    if (found === null) {
      response.writeHead(404).end();
      return;
    }
    const { definition } = found.route;
    if (!isAuthorised(definition.authLevel, definition.name, presentedKey(requestUrl, request.headers), keys)) {
      response.writeHead(401).end();
      return;
    }
    const declaredLength = Number(request.headers["content-length"] ?? 0);
    let body: Buffer;
    try {
      if (declaredLength > requestLimits.maxBodyBytes) throw new BodyTooLargeError("declared length over the limit");
      body = await readBody(request);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      response.writeHead(413, { connection: "close" }).end();
      return;
    }
    const httpRequest = toHttpRequest(request, requestUrl, found.params, body);
    let result: Awaited<ReturnType<HttpFunctionDefinition["handler"]>>;
    try {
      result = await invoker.invoke(
        {
          functionName: definition.name,
          reason: "This function was programmatically called via the host APIs.",
          trigger: {
            type: "httpTrigger",
            name: "httpTrigger",
            authLevel: definition.authLevel,
            methods: definition.methods,
            route: definition.route,
          },
        },
        (context) => definition.handler(httpRequest, context),
      );
    } catch {
      // An unhandled error is a bare 500, as the real host gives; the invoker logged it.
      response.writeHead(500).end();
      return;
    }
    await writeHttpResponse(result, response);
  }

  /**
   * Runs a non-HTTP function on demand: POST /admin/functions/<name> with the master key and {"input": "..."}.
   * https://learn.microsoft.com/azure/azure-functions/functions-manually-run-non-http
   */
  async function handleAdminInvoke(
    name: string,
    method: string,
    requestUrl: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (method !== "POST") {
      response.writeHead(405).end();
      return;
    }
    if (presentedKey(requestUrl, request.headers) !== keys.masterKey) {
      response.writeHead(401).end();
      return;
    }
    const definition = options.table.find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (definition === undefined || definition.kind === "http") {
      response.writeHead(404).end();
      return;
    }
    const body = (await readBody(request)).toString("utf8");
    const input = body === "" ? "" : (fromWorkerString(body) as { input?: unknown } | null)?.input;
    response.writeHead(202).end();
    if (definition.kind === "timer") {
      void timerRunners.get(definition.name)?.runNow();
    } else {
      const payload = typeof input === "string" ? fromWorkerString(input) : input;
      void invokeQueue(definition, payload, {}).catch(() => undefined);
    }
  }

  async function stopAll(): Promise<void> {
    for (const runner of timerRunners.values()) runner.stop();
    await Promise.all(listeners.map((listener) => listener.stop()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}${prefix}`,
    functionKey: keys.hostKeys[0] as string,
    masterKey: keys.masterKey,
    settings,
    functions: options.table.map(({ name, kind }) => ({ name, kind })),
    async runTimer(name) {
      const runner = timerRunners.get(name);
      if (runner === undefined) throw new Error(`no timer function named '${name}'`);
      await runner.runNow();
    },
    async waitForIdle({ timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const listener of listeners) listener.poke();
        await invoker.tracker.whenIdle();
        const drained = await Promise.all(listeners.map((listener) => listener.isDrained()));
        if (invoker.tracker.active === 0 && listeners.every((l) => l.inFlight === 0) && drained.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error(`the Functions host was still busy after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}

/** The host's rule for function names (Utility.FunctionNameValidationRegex in Azure/azure-functions-host). */
const functionNamePattern = /^(?!host$)[a-z][a-z0-9_-]{0,127}$/i;

function assertValidNames(table: readonly FunctionDefinition[]): void {
  const seen = new Set<string>();
  for (const definition of table) {
    if (!functionNamePattern.test(definition.name))
      throw new Error(`'${definition.name}' is not a valid function name.`);
    const key = definition.name.toLowerCase();
    if (seen.has(key)) throw new Error(`two functions are named '${definition.name}'`);
    seen.add(key);
  }
}

function newKey(): string {
  return randomBytes(30).toString("base64url");
}
