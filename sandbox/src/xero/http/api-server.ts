// The request pipeline of the Accounting API: route → token → tenant → scope → faults → rate limits → idempotency →
// request validation → handler → response validation → answer. Each step answers the way Xero does when it refuses.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock";
import type { TokenAuthority } from "../identity/token-authority";
import type { Faults, FaultSpec } from "../faults/faults";
import type { RateLimiter } from "../limits/rate-limiter";
import type { ChangeEvent, ChangeEventType, ChangeResource, HandlerContext } from "../resources/context";
import type { SpecValidator, ValidationOutcome } from "../spec/spec-validator";
import type { Tenant } from "../store/types";
import { IdempotencyStore, maxIdempotencyKeyLength } from "./idempotency";
import { matchRoute, type Route } from "./routes";
import {
  XeroHttpError,
  toMissingScope,
  toNotFound,
  toPostDataInvalid,
  toRateLimited,
  toServerError,
  toServiceUnavailable,
  toTenantNotConnected,
  toUnauthorized,
  toValidationMessage,
  type XeroAnswer,
} from "./xero-errors";

export const apiBasePath = "/api.xro/2.0";

export interface SpecViolation {
  operationId: string;
  direction: "request" | "response";
  method: string;
  path: string;
  status?: number;
  errors: readonly string[];
}

export interface ApiStats {
  requestsServed: number;
  requestsValidated: number;
  responsesValidated: number;
  requestViolations: number;
  responseViolations: number;
  violations: SpecViolation[];
  rateLimited: number;
  idempotentReplays: number;
  droppedAfterCommit: number;
}

export interface ApiServerDependencies {
  clock: Clock;
  validator: SpecValidator;
  routes: readonly Route[];
  tenants: ReadonlyMap<string, Tenant>;
  authority: TokenAuthority;
  /** Revokes the grant behind a token (the `revoke` fault). */
  revokeGrant(token: string): void;
  rateLimiter: RateLimiter;
  faults: Faults;
  idempotency: IdempotencyStore;
  /** Answer 500 with the violation instead of the invalid response (makes the calling test fail). */
  strictResponses: boolean;
  validateResponses: boolean;
  baseUrl(): string;
  onChange(event: ChangeEvent): void;
}

const maxBodyBytes = 10 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) throw new XeroHttpError({ status: 413, body: "Request body too large" });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

/** The `exp` claim of a JWT access token in epoch ms, read without verifying (the authority already judged it). */
function toExpiry(token: string | undefined): number | undefined {
  const payload = token?.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function writeAnswer(res: ServerResponse, answer: XeroAnswer, extraHeaders: object = {}): void {
  const headers: Record<string, string | number> = { ...(extraHeaders as Record<string, string>), ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  headers["content-type"] =
    typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
  headers["content-length"] = Buffer.byteLength(text);
  res.writeHead(answer.status, headers);
  res.end(text);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ApiServer {
  readonly stats: ApiStats = {
    requestsServed: 0,
    requestsValidated: 0,
    responsesValidated: 0,
    requestViolations: 0,
    responseViolations: 0,
    violations: [],
    rateLimited: 0,
    idempotentReplays: 0,
    droppedAfterCommit: 0,
  };
  /** Tokens whose grant a `revoke` fault revoked (kept here too, in case the authority cannot revoke). */
  private readonly revoked = new Set<string>();

  constructor(private readonly deps: ApiServerDependencies) {}

  private record(
    direction: "request" | "response",
    outcome: ValidationOutcome,
    where: Omit<SpecViolation, "direction" | "errors">,
  ): void {
    if (direction === "request") this.stats.requestsValidated += 1;
    else this.stats.responsesValidated += 1;
    if (outcome.ok) return;
    if (direction === "request") this.stats.requestViolations += 1;
    else this.stats.responseViolations += 1;
    this.stats.violations.push({ ...where, direction, errors: outcome.errors });
  }

  /** Serves one Accounting API request (the path starts with /api.xro/2.0). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.stats.requestsServed += 1;
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.slice(apiBasePath.length) || "/";
    const { rateLimiter } = this.deps;
    const matched = matchRoute(this.deps.routes, method, path);
    if (matched === undefined) return writeAnswer(res, toNotFound(), rateLimiter.appHeaders());

    const token = bearerToken(req);
    const check = this.deps.authority.validateAccessToken(token);
    if (!check.ok || (token !== undefined && this.revoked.has(token))) {
      return writeAnswer(
        res,
        toUnauthorized(check.ok ? "revoked" : check.reason, toExpiry(token)),
        rateLimiter.appHeaders(),
      );
    }
    const tenantId = headerValue(req, "xero-tenant-id")?.toLowerCase();
    const tenant = tenantId === undefined ? undefined : this.deps.tenants.get(tenantId);
    if (
      tenantId === undefined ||
      tenant === undefined ||
      !check.tenantIds.some((id) => id.toLowerCase() === tenantId)
    ) {
      return writeAnswer(res, toTenantNotConnected(), rateLimiter.appHeaders());
    }
    if (!check.scopes.some((scope) => matched.route.scopes.has(scope)))
      return writeAnswer(res, toMissingScope(), rateLimiter.headers(tenantId));

    const faults = this.deps.faults.take(method, path);
    const fault = (kind: FaultSpec["kind"]): FaultSpec | undefined => faults.find((spec) => spec.kind === kind);
    if (fault("revoke") !== undefined && token !== undefined) {
      this.revoked.add(token);
      this.deps.revokeGrant(token);
      return writeAnswer(res, toUnauthorized("revoked"), rateLimiter.appHeaders());
    }
    if (fault("429") !== undefined) {
      this.stats.rateLimited += 1;
      return writeAnswer(res, toRateLimited("minute", 60), rateLimiter.headers(tenantId));
    }
    if (fault("503") !== undefined) return writeAnswer(res, toServiceUnavailable(), rateLimiter.headers(tenantId));
    if (fault("500") !== undefined) return writeAnswer(res, toServerError(), rateLimiter.headers(tenantId));

    const admission = rateLimiter.admit(tenantId);
    if (!admission.ok) {
      this.stats.rateLimited += 1;
      return writeAnswer(res, toRateLimited(admission.problem, admission.retryAfterSeconds), admission.headers);
    }
    try {
      const slow = fault("slow");
      if (slow !== undefined) await sleep(slow.delayMs ?? 1000);
      const answer = await this.process(req, method, path, url, matched, tenant);
      if (fault("drop-after-commit") !== undefined) {
        // The write happened; the caller never hears about it.
        this.stats.droppedAfterCommit += 1;
        res.destroy();
        return;
      }
      writeAnswer(res, answer, rateLimiter.headers(tenantId));
    } finally {
      admission.release();
    }
  }

  private async process(
    req: IncomingMessage,
    method: string,
    path: string,
    url: URL,
    matched: { route: Route; params: string[] },
    tenant: Tenant,
  ): Promise<XeroAnswer> {
    const { operationId } = matched.route;
    const raw = await readBody(req);
    const where = { operationId, method, path };

    const key = method === "PUT" || method === "POST" ? headerValue(req, "idempotency-key") : undefined;
    if (key !== undefined && key.length > maxIdempotencyKeyLength) {
      return toValidationMessage(`The Idempotency-Key must be ${maxIdempotencyKeyLength} characters or fewer.`);
    }
    const pending =
      key === undefined || key === ""
        ? undefined
        : this.deps.idempotency.begin(
            tenant.tenantId,
            key,
            IdempotencyStore.fingerprint(method, `${path}${url.search}`, raw),
          );
    if (pending?.kind === "replay") {
      this.stats.idempotentReplays += 1;
      return pending.answer;
    }
    if (pending?.kind === "mismatch")
      return toValidationMessage("The Idempotency-Key has already been used for a different request.");
    if (pending?.kind === "conflict")
      return {
        status: 409,
        body: toValidationMessage("A request with this Idempotency-Key is still being processed.").body ?? {},
      };

    let answer: XeroAnswer;
    try {
      answer = this.run(raw, matched, tenant, url, req, where);
    } catch (error) {
      if (pending?.kind === "new") pending.abandon();
      throw error;
    }
    if (pending?.kind === "new") pending.finish(answer);
    return answer;
  }

  private run(
    raw: string,
    matched: { route: Route; params: string[] },
    tenant: Tenant,
    url: URL,
    req: IncomingMessage,
    where: Omit<SpecViolation, "direction" | "errors">,
  ): XeroAnswer {
    const { operationId } = matched.route;
    const { validator } = this.deps;
    const hasBodySchema = validator.operation(operationId).requestSchemaRef !== null;
    let body: unknown;
    // xero-node sends "{}" even on GET; operations without a request body ignore whatever came, as Xero does.
    if (hasBodySchema && raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return toPostDataInvalid("Invalid Json data");
      }
    }
    const queryCheck = validator.validateQuery(operationId, url.searchParams);
    const bodyCheck = hasBodySchema ? validator.validateRequest(operationId, body) : ({ ok: true } as const);
    const requestCheck: ValidationOutcome =
      queryCheck.ok && bodyCheck.ok
        ? { ok: true }
        : {
            ok: false,
            errors: [...(queryCheck.ok ? [] : queryCheck.errors), ...(bodyCheck.ok ? [] : bodyCheck.errors)],
          };
    this.record("request", requestCheck, where);
    if (!requestCheck.ok)
      return toPostDataInvalid(`The request does not match the Xero Accounting API: ${requestCheck.errors.join("; ")}`);

    const events: Array<{ resource: ChangeResource; resourceId: string; eventType: ChangeEventType }> = [];
    const now = this.deps.clock.now();
    const context: HandlerContext = {
      tenant,
      params: matched.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      now,
      unitdp: url.searchParams.get("unitdp") === "4" ? 4 : 2,
      summarizeErrors: url.searchParams.get("summarizeErrors") !== "false",
      baseUrl: this.deps.baseUrl(),
      emit: (resource, resourceId, eventType) => events.push({ resource, resourceId, eventType }),
    };
    let answer: XeroAnswer;
    try {
      answer = matched.route.handler(context);
    } catch (error) {
      if (!(error instanceof XeroHttpError)) throw error;
      answer = error.answer;
    }
    for (const event of events) this.deps.onChange({ tenantId: tenant.tenantId, ...event, at: now });
    return this.checkResponse(answer, where);
  }

  private checkResponse(answer: XeroAnswer, where: Omit<SpecViolation, "direction" | "errors">): XeroAnswer {
    if (!this.deps.validateResponses || typeof answer.body === "string") return answer;
    const outcome = this.deps.validator.validateResponse(where.operationId, answer.status, answer.body);
    this.record("response", outcome, { ...where, status: answer.status });
    if (outcome.ok || !this.deps.strictResponses) return answer;
    return toServerError(
      `Xero emulator bug: the ${answer.status} answer to ${where.operationId} violates the Xero Accounting API spec: ${outcome.errors.join("; ")}`,
    );
  }
}
