// One JSON request to a Microsoft Entra endpoint (token, signing keys): a network failure or a non-2xx answer becomes
// the service's normalised SyncError (source `entra`, Entra's error body kept for the AADSTS code); the answer is
// parsed against the caller's schema, and an answer that does not fit is a transient failure named by `expected`.
import type { z } from "zod";
import { fromHttpFailure, SyncError, toSyncError } from "../../core/errors";

export async function fetchEntraJson<T extends z.ZodType>(
  url: string,
  init: RequestInit,
  answer: { schema: T; expected: string },
  options: { fetch?: typeof fetch; nowMs: number; timeoutMs?: number },
): Promise<z.infer<T>> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      ...init,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (thrown) {
    throw toSyncError(thrown, "entra");
  }
  const text = await response.text();
  if (!response.ok)
    throw fromHttpFailure({
      source: "entra",
      status: response.status,
      headers: response.headers,
      body: text,
      nowMs: options.nowMs,
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = answer.schema.safeParse(json);
  if (!parsed.success)
    throw new SyncError(`the ${answer.expected} endpoint answered without a usable answer`, {
      kind: "transient",
      details: { source: "entra", status: response.status },
    });
  return parsed.data;
}
