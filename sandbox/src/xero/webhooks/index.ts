import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../../clock";
import {
  newEntropy,
  toIntentToReceivePayload,
  toXeroWebhookEvent,
  toXeroWebhookPayload,
  webhookResources,
  xeroChangeEventSchema,
  type WebhookResource,
  type XeroChangeEvent,
  type XeroWebhookEvent,
} from "./payload";
import { signatureHeader, signXeroWebhook } from "./signature";
import { defaultWebhookPayloadValidator, type PayloadValidator } from "./spec";

export type { XeroChangeEvent, XeroWebhookEvent, XeroWebhookPayload, WebhookResource } from "./payload";
export { signXeroWebhook, verifyXeroWebhook, signatureHeader } from "./signature";
export { createWebhookPayloadValidator, defaultWebhookPayloadValidator } from "./spec";

// Xero's webhook sender: batches change events into signed payloads, runs the intent-to-receive handshake, and
// retries failed deliveries "with decreasing frequency for up to 24 hours", after which the subscription is disabled.
// https://developer.xero.com/documentation/guides/webhooks/overview/
// https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/

const minute = 60_000;
const hour = 60 * minute;

/** Xero publishes no schedule, only "decreasing frequency for up to 24 hours"; these are the emulator's steps. */
export const defaultRetryDelaysMs: readonly number[] = [
  minute,
  2 * minute,
  5 * minute,
  10 * minute,
  30 * minute,
  hour,
  2 * hour,
  4 * hour,
  8 * hour,
];

export interface XeroWebhookSenderOptions {
  readonly clock?: Clock;
  /** The subscription's delivery URL. */
  readonly url: string;
  /** The webhook signing key shown in the developer portal. */
  readonly webhookKey: string;
  /** How long events gather before a payload goes out. Default 1 s. */
  readonly batchDelayMs?: number;
  readonly fetch?: typeof fetch;
  /** Base of resourceUrl (the emulator's Accounting API). Default https://api.xero.com/api.xro/2.0. */
  readonly resourceBaseUrl?: string;
  /** The categories the subscription is for; other events are not sent. Default all three. */
  readonly categories?: readonly WebhookResource[];
  /**
   * Xero sends an app's events only for organisations connected to the app, e.g.
   * `(tenantId) => identity.connectedTenantIds(clientId).includes(tenantId)`. Default: every tenant.
   */
  readonly isConnected?: (tenantId: string) => boolean;
  /**
   * Xero sends events only once the subscription passed intent to receive. True starts it as already validated;
   * the default (false) drops events until intentToReceive() succeeds.
   */
  readonly verified?: boolean;
  /** A real-time timer delivers due batches and retries. Tests that drive deliverDue()/flush() themselves set false. */
  readonly autoDeliver?: boolean;
  readonly pollIntervalMs?: number;
  /** Xero wants an answer within 5 s. */
  readonly responseTimeoutMs?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly disableAfterMs?: number;
}

export type XeroWebhookState = "unverified" | "ok" | "failing" | "disabled";

export interface DeliveryAttempt {
  readonly at: number;
  readonly firstEventSequence: number;
  readonly lastEventSequence: number;
  readonly attempt: number;
  readonly status?: number;
  readonly error?: string;
  readonly ok: boolean;
}

export interface IntentToReceiveCheck {
  readonly signature: "correct" | "incorrect";
  readonly expectedStatus: 200 | 401;
  readonly status?: number;
  readonly emptyBody: boolean;
  readonly noCookies: boolean;
  readonly error?: string;
  readonly ok: boolean;
}

export interface IntentToReceiveResult {
  readonly ok: boolean;
  readonly checks: readonly IntentToReceiveCheck[];
}

export interface XeroWebhookStats {
  eventsAccepted: number;
  /** Malformed events send() threw on (e.g. a CREDITNOTE event without data { Type, Status }). */
  eventsRefused: number;
  eventsDelivered: number;
  /**
   * Events not sent: subscription unverified or disabled, category not subscribed, tenant not connected, or given up
   * after 24 hours.
   */
  eventsDropped: number;
  deliveriesAttempted: number;
  deliveriesSucceeded: number;
  deliveriesFailed: number;
  payloadsValidated: number;
  specViolations: string[];
}

export interface XeroWebhookSender {
  /** Accepts a change event (throws on a malformed one); it goes out with the next batch. */
  send(event: XeroChangeEvent): void;
  /** Closes the open batch now and attempts every delivery that is due. */
  flush(): Promise<void>;
  /** Closes the open batch if its delay has passed and attempts deliveries whose (re)try time has come. */
  deliverDue(): Promise<void>;
  /** Posts a correctly and an incorrectly signed empty payload and checks the 200 / 401 answers. */
  intentToReceive(): Promise<IntentToReceiveResult>;
  /** Points the subscription elsewhere; as in Xero, it must pass intent to receive again. */
  setUrl(url: string): void;
  state(): XeroWebhookState;
  attempts(): readonly DeliveryAttempt[];
  /** Deliveries still waiting (each with its next attempt time). */
  pending(): readonly {
    firstEventSequence: number;
    lastEventSequence: number;
    attempts: number;
    nextAttemptAt: number;
  }[];
  stats(): XeroWebhookStats;
  stop(): Promise<void>;
}

interface Delivery {
  readonly body: string;
  readonly signature: string;
  readonly firstEventSequence: number;
  readonly lastEventSequence: number;
  readonly eventCount: number;
  attempts: number;
  firstAttemptAt?: number;
  nextAttemptAt: number;
}

interface PostResult {
  readonly status?: number;
  readonly emptyBody: boolean;
  readonly noCookies: boolean;
  readonly error?: string;
}

export function createXeroWebhookSender(options: XeroWebhookSenderOptions): XeroWebhookSender {
  const clock = options.clock ?? systemClock;
  const doFetch = options.fetch ?? fetch;
  const batchDelayMs = options.batchDelayMs ?? 1000;
  const resourceBaseUrl = options.resourceBaseUrl ?? "https://api.xero.com/api.xro/2.0";
  const categories = new Set<WebhookResource>(options.categories ?? webhookResources);
  const responseTimeoutMs = options.responseTimeoutMs ?? 5000;
  const retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
  const disableAfterMs = options.disableAfterMs ?? 24 * hour;
  const validatePayload: PayloadValidator = defaultWebhookPayloadValidator();

  let url = options.url;
  let state: XeroWebhookState = options.verified === true ? "ok" : "unverified";
  let sequence = 0;
  let open: { events: XeroWebhookEvent[]; firstEventSequence: number; dueAt: number } | undefined;
  let queue: Delivery[] = [];
  let running: Promise<void> | undefined;
  const log: DeliveryAttempt[] = [];
  const stats: XeroWebhookStats = {
    eventsAccepted: 0,
    eventsRefused: 0,
    eventsDelivered: 0,
    eventsDropped: 0,
    deliveriesAttempted: 0,
    deliveriesSucceeded: 0,
    deliveriesFailed: 0,
    payloadsValidated: 0,
    specViolations: [],
  };

  const post = async (body: string, signature: string): Promise<PostResult> => {
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", [signatureHeader]: signature },
        body,
        signal: AbortSignal.timeout(responseTimeoutMs),
      });
      const text = await response.text();
      return { status: response.status, emptyBody: text.length === 0, noCookies: !response.headers.has("set-cookie") };
    } catch (error) {
      // Not instanceof: fetch's DOMException may come from another realm (as under Jest).
      const name = typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
      const timedOut = name === "TimeoutError" || name === "AbortError";
      return {
        emptyBody: true,
        noCookies: true,
        error: timedOut ? `no answer within ${responseTimeoutMs} ms` : "connection failed",
      };
    }
  };

  const send = (input: XeroChangeEvent): void => {
    const parsed = xeroChangeEventSchema.safeParse(input);
    if (!parsed.success) {
      stats.eventsRefused += 1;
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "event"}: ${issue.message}`);
      throw new Error(`not a change event Xero can send: ${issues.join("; ")}`);
    }
    const event = parsed.data;
    const connected = options.isConnected?.(event.tenantId) ?? true;
    if (state === "unverified" || state === "disabled" || !categories.has(event.resource) || !connected) {
      stats.eventsDropped += 1;
      return;
    }
    stats.eventsAccepted += 1;
    sequence += 1;
    open ??= { events: [], firstEventSequence: sequence, dueAt: clock.now() + batchDelayMs };
    open.events.push(toXeroWebhookEvent(event, resourceBaseUrl));
  };

  const closeBatch = (force: boolean): void => {
    if (open === undefined || (!force && open.dueAt > clock.now())) return;
    const payload = toXeroWebhookPayload(open.events, open.firstEventSequence, newEntropy());
    open = undefined;
    stats.payloadsValidated += 1;
    const violations = validatePayload(payload);
    // A payload that breaks Xero's spec is an emulator bug: record it for the test to fail on, and do not send it.
    if (violations.length > 0) {
      stats.specViolations.push(...violations);
      stats.eventsDropped += payload.events.length;
      return;
    }
    const body = JSON.stringify(payload);
    queue.push({
      body,
      signature: signXeroWebhook(options.webhookKey, body),
      firstEventSequence: payload.firstEventSequence,
      lastEventSequence: payload.lastEventSequence,
      eventCount: payload.events.length,
      attempts: 0,
      nextAttemptAt: clock.now(),
    });
  };

  /** Posts one delivery; resolves false when the failure disabled the subscription. */
  const attempt = async (delivery: Delivery): Promise<boolean> => {
    const at = clock.now();
    delivery.firstAttemptAt ??= at;
    delivery.attempts += 1;
    stats.deliveriesAttempted += 1;
    const result = await post(delivery.body, delivery.signature);
    // Xero expects a 200 within 5 seconds; anything else is retried.
    const ok = result.status === 200;
    log.push({
      at,
      firstEventSequence: delivery.firstEventSequence,
      lastEventSequence: delivery.lastEventSequence,
      attempt: delivery.attempts,
      ok,
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    if (ok) {
      stats.deliveriesSucceeded += 1;
      stats.eventsDelivered += delivery.eventCount;
      queue = queue.filter((queued) => queued !== delivery);
      return true;
    }
    stats.deliveriesFailed += 1;
    const now = clock.now();
    if (now - delivery.firstAttemptAt >= disableAfterMs) {
      // After 24 hours of failures Xero disables the webhook; what was waiting is not sent.
      state = "disabled";
      stats.eventsDropped += queue.reduce((sum, queued) => sum + queued.eventCount, 0) + (open?.events.length ?? 0);
      queue = [];
      open = undefined;
      return false;
    }
    state = "failing";
    delivery.nextAttemptAt = now + (retryDelaysMs[Math.min(delivery.attempts - 1, retryDelaysMs.length - 1)] ?? hour);
    return true;
  };

  const runDue = async (force: boolean): Promise<void> => {
    if (state === "unverified" || state === "disabled") return;
    closeBatch(force);
    for (const delivery of [...queue]) {
      if (delivery.nextAttemptAt > clock.now()) continue;
      if (!(await attempt(delivery))) return;
    }
    if (queue.length === 0 && state === "failing") state = "ok";
  };

  /** One pass at a time, so the timer and a test's explicit call never post the same delivery twice. */
  const exclusive = async (force: boolean): Promise<void> => {
    while (running !== undefined) await running;
    running = runDue(force).finally(() => {
      running = undefined;
    });
    await running;
  };

  const intentToReceive = async (): Promise<IntentToReceiveResult> => {
    const checks: IntentToReceiveCheck[] = [];
    for (const signature of ["correct", "incorrect"] as const) {
      const body = JSON.stringify(toIntentToReceivePayload(newEntropy()));
      const key = signature === "correct" ? options.webhookKey : randomBytes(48).toString("base64");
      const result = await post(body, signXeroWebhook(key, body));
      const expectedStatus = signature === "correct" ? 200 : 401;
      checks.push({
        signature,
        expectedStatus,
        emptyBody: result.emptyBody,
        noCookies: result.noCookies,
        ok: result.status === expectedStatus && result.emptyBody && result.noCookies,
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.error === undefined ? {} : { error: result.error }),
      });
    }
    const ok = checks.every((check) => check.ok);
    state = ok ? (queue.length > 0 ? "failing" : "ok") : "unverified";
    return { ok, checks };
  };

  const timer =
    options.autoDeliver === false
      ? undefined
      : setInterval(() => {
          void exclusive(false);
        }, options.pollIntervalMs ?? 200);
  timer?.unref();

  return {
    send,
    flush: () => exclusive(true),
    deliverDue: () => exclusive(false),
    intentToReceive,
    setUrl: (next) => {
      url = next;
      state = "unverified";
    },
    state: () => state,
    attempts: () => [...log],
    pending: () =>
      queue.map((delivery) => ({
        firstEventSequence: delivery.firstEventSequence,
        lastEventSequence: delivery.lastEventSequence,
        attempts: delivery.attempts,
        nextAttemptAt: delivery.nextAttemptAt,
      })),
    stats: () => ({ ...stats, specViolations: [...stats.specViolations] }),
    stop: async () => {
      if (timer !== undefined) clearInterval(timer);
      while (running !== undefined) await running;
    },
  };
}
