// HTTP triggers of onboarding and reauthorisation (issue 7): parse, delegate to onboarding/, answer with HTML or a
// redirect. Anonymous on purpose: a customer's browser opens them from a signed link; the link, the OAuth state and
// the onboarding cookie are the authentication. Every answer forbids caching, framing and referrers.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { toSyncError } from "../core/errors";
import { createInvocationLogger, type Logger } from "../core/logger";
import type { HttpFunctionDefinition } from "../function-table";
import {
  dynamicsConsentCookieName,
  onboardingCookieName,
  onboardingRoutes,
  type AppConsentQuery,
  type Onboarding,
  type PageAnswer,
  type SignInQuery,
} from "../onboarding/onboarding";
import { renderProblemPage } from "../onboarding/pages";
import { createServiceOnboarding } from "../onboarding/service-onboarding";
import { realtimeFor } from "../realtime/realtime-service";
import { toRealtimeRegistration } from "../realtime/registration";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

const securityHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

export function toHttpResponse(answer: PageAnswer): HttpResponseInit {
  return {
    status: answer.status,
    headers: { ...securityHeaders, ...(answer.location === undefined ? {} : { location: answer.location }) },
    ...(answer.page === undefined ? {} : { body: answer.page.html }),
    ...(answer.cookies === undefined ? {} : { cookies: answer.cookies }),
  };
}

/** The onboarding cookie (or another of ours, by name) from the Cookie header. */
export function readOnboardingCookie(header: string | null, wanted: string = onboardingCookieName): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === wanted) return rest.join("=");
  }
  return undefined;
}

/** The defined parameters of a query, by name. */
function pick<K extends string>(request: HttpRequest, names: readonly K[]): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = request.query.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}

async function readForm(request: HttpRequest): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await request.text()));
}

type Handle = (onboarding: Onboarding, request: HttpRequest) => Promise<PageAnswer>;

function onboardingHandler(service: ServiceProvider, handle: Handle) {
  return async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
    // Until the service is built its secrets are unknown; the pattern redaction still applies to this logger.
    let logger: Logger = createInvocationLogger(invocation);
    try {
      const resolved = await service();
      logger = invocationLogger(invocation, resolved);
      const realtime = await realtimeFor(resolved);
      const registerRealtime = toRealtimeRegistration({
        publicBaseUrl: resolved.config.links.publicBaseUrl,
        keySecret: resolved.config.links.signingKey,
        store: realtime.store,
      });
      return toHttpResponse(
        await handle(createServiceOnboarding(resolved, { logger, registerRealtime }).onboarding, request),
      );
    } catch (thrown) {
      logger.error("onboarding request failed", { error: toSyncError(thrown) });
      return toHttpResponse({
        status: 500,
        page: renderProblemPage({
          title: "Something went wrong",
          message: "The service could not finish this step.",
          action: "Try again in a minute; your link still works if the step did not complete.",
        }),
      });
    }
  };
}

const query = (request: HttpRequest, name: string): string | undefined => request.query.get(name) ?? undefined;

export function onboardingFunctions(service: ServiceProvider): HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "onboardingXero",
      route: onboardingRoutes.xero,
      methods: ["GET"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, (onboarding, request) => onboarding.startXero(query(request, "token"))),
    },
    {
      kind: "http",
      name: "xeroCallback",
      route: onboardingRoutes.xeroCallback,
      methods: ["GET"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, (onboarding, request) => {
        const params = { code: query(request, "code"), state: query(request, "state"), error: query(request, "error") };
        const defined = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as {
          code?: string;
          state?: string;
          error?: string;
        };
        return onboarding.completeXeroConsent(defined, readOnboardingCookie(request.headers.get("cookie")));
      }),
    },
    {
      kind: "http",
      name: "onboardingXeroOrganisation",
      route: onboardingRoutes.xeroOrganisation,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, async (onboarding, request) =>
        onboarding.chooseOrganisation(
          (await readForm(request))["tenantId"],
          readOnboardingCookie(request.headers.get("cookie")),
        ),
      ),
    },
    {
      kind: "http",
      name: "onboardingXeroAnother",
      route: onboardingRoutes.xeroAnother,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, async (onboarding, request) =>
        onboarding.connectAnotherOrganisation(await readForm(request)),
      ),
    },
    {
      kind: "http",
      name: "onboardingDynamics",
      route: onboardingRoutes.dynamics,
      methods: ["GET", "POST"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, async (onboarding, request) =>
        request.method === "POST"
          ? onboarding.submitDynamicsForm(await readForm(request))
          : onboarding.showDynamicsForm(query(request, "token")),
      ),
    },
    {
      kind: "http",
      name: "onboardingDynamicsConsent",
      route: onboardingRoutes.dynamicsConsent,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, async (onboarding, request) =>
        onboarding.startAppConsent(await readForm(request)),
      ),
    },
    {
      kind: "http",
      name: "dynamicsSignInCallback",
      route: onboardingRoutes.dynamicsSignInCallback,
      methods: ["GET"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, (onboarding, request) => {
        const answer: SignInQuery = pick(request, ["code", "state", "error"]);
        return onboarding.completeSignIn(
          answer,
          readOnboardingCookie(request.headers.get("cookie"), dynamicsConsentCookieName),
        );
      }),
    },
    {
      kind: "http",
      name: "dynamicsConsentCallback",
      route: onboardingRoutes.dynamicsConsentCallback,
      methods: ["GET"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, (onboarding, request) => {
        const answer: AppConsentQuery = pick(request, ["admin_consent", "tenant", "state", "error"]);
        return onboarding.completeAppConsent(
          answer,
          readOnboardingCookie(request.headers.get("cookie"), dynamicsConsentCookieName),
        );
      }),
    },
    {
      kind: "http",
      name: "onboardingDynamicsConsentCheck",
      route: onboardingRoutes.dynamicsConsentCheck,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: onboardingHandler(service, async (onboarding, request) =>
        onboarding.checkAppConsentAgain(await readForm(request)),
      ),
    },
  ];
}
