// The admin endpoint, so scripts outside the process can drive the emulator: faults, the clock, stats,
// organisations and tokens. Nothing like it exists on api.xero.com; it lives under /__admin.
//   GET    /__admin/stats                  → stats()
//   GET    /__admin/faults                 → active faults
//   POST   /__admin/faults   {kind,…}      → inject one ({ id })
//   DELETE /__admin/faults                 → clear all
//   POST   /__admin/clock    {advanceMs} | {setTime}  (ManualClock only)
//   POST   /__admin/organisations {name, tenantId?} → { tenantId, name }
//   POST   /__admin/tokens   {tenantIds, scopes?}     → a token set
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ManualClock, type Clock } from "../../clock";
import type { FaultSpec } from "../faults/faults";
import { writeAnswer } from "./api-server";

export interface AdminTarget {
  clock: Clock;
  stats(): unknown;
  faults: { inject(spec: FaultSpec): number; clear(): void; list(): unknown };
  createOrganisation(options: { name: string; tenantId?: string }): { tenantId: string; name: string };
  issueTokenSet(options: { tenantIds: readonly string[]; scopes?: readonly string[] }): unknown;
}

const faultSchema = z.object({
  kind: z.enum(["429", "500", "503", "slow", "drop-after-commit", "revoke"]),
  count: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  match: z.object({ method: z.string().optional(), path: z.string().optional() }).optional(),
});

const clockSchema = z.union([
  z.object({ advanceMs: z.number().int().min(0) }),
  z.object({ setTime: z.number().int() }),
]);
const organisationSchema = z.object({ name: z.string().min(1), tenantId: z.guid().optional() });
const tokenSchema = z.object({ tenantIds: z.array(z.guid()).min(1), scopes: z.array(z.string()).optional() });

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? {} : JSON.parse(text);
}

/** Drops undefined members so zod output satisfies exactOptionalPropertyTypes. */
type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Defined<T>;
}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  target: AdminTarget,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const json = (status: number, body: unknown): void =>
    writeAnswer(res, { status, body: body as Record<string, unknown> });
  try {
    if (path === "/__admin/stats" && method === "GET") return json(200, target.stats());
    if (path === "/__admin/faults" && method === "GET") return json(200, { faults: target.faults.list() });
    if (path === "/__admin/faults" && method === "DELETE") {
      target.faults.clear();
      return json(200, { faults: [] });
    }
    if (path === "/__admin/faults" && method === "POST") {
      const spec = faultSchema.parse(await readJson(req));
      const match = spec.match === undefined ? undefined : defined(spec.match);
      return json(200, { id: target.faults.inject(defined({ ...spec, match })) });
    }
    if (path === "/__admin/clock" && method === "POST") {
      if (!(target.clock instanceof ManualClock)) return json(409, { error: "the emulator runs on the system clock" });
      const change = clockSchema.parse(await readJson(req));
      if ("advanceMs" in change) target.clock.advance(change.advanceMs);
      else target.clock.setTime(change.setTime);
      return json(200, { now: target.clock.now() });
    }
    if (path === "/__admin/organisations" && method === "POST") {
      return json(200, target.createOrganisation(defined(organisationSchema.parse(await readJson(req)))));
    }
    if (path === "/__admin/tokens" && method === "POST") {
      return json(200, target.issueTokenSet(defined(tokenSchema.parse(await readJson(req)))));
    }
    return json(404, { error: `no admin route ${method} ${path}` });
  } catch (error) {
    const message =
      error instanceof z.ZodError
        ? error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")
        : error instanceof Error
          ? error.message
          : String(error);
    return json(400, { error: message });
  }
}
