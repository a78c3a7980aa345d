// The host.json settings the local host honours, read from the same file the real host reads
// (azure-functions/host.json), with the real host's defaults for anything left out.
// https://learn.microsoft.com/azure/azure-functions/functions-host-json
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#hostjson-settings
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseTimeSpan } from "./ncrontab";

const timeSpan = z.string().transform((text, ctx) => {
  try {
    return parseTimeSpan(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

/** The part of host.json's schema the local host reads; everything else (logging, extensionBundle) passes through. */
export const hostJsonSchema = z.looseObject({
  version: z.literal("2.0"),
  functionTimeout: timeSpan.optional(),
  extensions: z
    .looseObject({
      http: z.looseObject({ routePrefix: z.string().optional() }).optional(),
      queues: z
        .looseObject({
          // Functions 1.x wrote milliseconds; 2.x and later a TimeSpan.
          maxPollingInterval: z.union([timeSpan, z.number().int().positive()]).optional(),
          visibilityTimeout: timeSpan.optional(),
          batchSize: z.number().int().min(1).max(32).optional(),
          maxDequeueCount: z.number().int().min(1).optional(),
          newBatchThreshold: z.number().int().min(0).optional(),
          messageEncoding: z.enum(["base64", "none"]).optional(),
        })
        .optional(),
    })
    .optional(),
});

export interface QueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: "base64" | "none";
}

export interface HostSettings {
  routePrefix: string;
  functionTimeoutMs: number;
  queues: QueueSettings;
}

/** Overrides for tests and demos, applied over the file. */
export interface HostSettingsOverrides {
  routePrefix?: string;
  functionTimeoutMs?: number;
  queues?: Partial<QueueSettings>;
}

// The queue extension's documented defaults; newBatchThreshold is N*batchSize/2 with N = 1 vCPU here, and the
// maximum polling interval is two seconds when running locally (one minute in Azure).
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#polling-algorithm
const defaultBatchSize = 16;
const localMaxPollingIntervalMs = 2_000;
// Dedicated/Premium default; Consumption's is 5 minutes. https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout
const defaultFunctionTimeoutMs = 30 * 60_000;

export function toHostSettings(hostJson: unknown, overrides: HostSettingsOverrides = {}): HostSettings {
  const parsed = hostJsonSchema.parse(hostJson);
  const queues = parsed.extensions?.queues;
  const batchSize = queues?.batchSize ?? defaultBatchSize;
  return {
    routePrefix: overrides.routePrefix ?? parsed.extensions?.http?.routePrefix ?? "api",
    functionTimeoutMs: overrides.functionTimeoutMs ?? parsed.functionTimeout ?? defaultFunctionTimeoutMs,
    queues: {
      batchSize,
      newBatchThreshold: queues?.newBatchThreshold ?? Math.floor(batchSize / 2),
      maxPollingIntervalMs: queues?.maxPollingInterval ?? localMaxPollingIntervalMs,
      visibilityTimeoutMs: queues?.visibilityTimeout ?? 0,
      maxDequeueCount: queues?.maxDequeueCount ?? 5,
      messageEncoding: queues?.messageEncoding ?? "base64",
      ...overrides.queues,
    },
  };
}

/** azure-functions/host.json, the file both hosts read. */
export const defaultHostJsonPath = join(__dirname, "..", "..", "..", "azure-functions", "host.json");

export function loadHostSettings(
  path: string = defaultHostJsonPath,
  overrides: HostSettingsOverrides = {},
): HostSettings {
  return toHostSettings(JSON.parse(readFileSync(path, "utf8")) as unknown, overrides);
}
