// Self-service onboarding and reauthorisation (issue 7): what the service's onboarding pages do, without HTTP.
//
//   support link (xero) ─► GET onboarding/xero?token  ─► 302 Xero consent (granular scopes, state bound to the link,
//   PKCE S256; the link token rides in an HttpOnly SameSite=Lax cookie so the callback is bound to this browser)
//   ─► GET xero/callback?code&state ─► code exchanged, grant stored in the vault, /connections read
//   ─► (several organisations) POST onboarding/xero/organisation ─► link used up, organisation recorded
//   ─► no Dynamics 365 credentials yet: 303 to a fresh dynamics link ─► GET/POST onboarding/dynamics: credentials
//   verified with WhoAmI and install checks before they are stored ─► connector + data flows, status connected,
//   health written, first sync queued.
// Another Xero organisation for the same environment: the connected page's button POSTs onboarding/xero/another with a
// signed 30-minute ticket ─► a new connection with the Dynamics 365 part copied server side ─► 303 to a fresh xero link
// for it ─► the usual consent (its own grant) ─► an organisation already connected in the environment is refused.
// Dynamics 365 the other way, with the service's multi-tenant app configured: POST onboarding/dynamics/consent (the
// environment URL only) ─► tenant read from the environment's bearer challenge ─► 303 Entra sign-in (OpenID Connect
// code flow, PKCE, nonce; state bound to the link, the environment and the tenant; the link token rides in its own
// HttpOnly cookie) ─► GET dynamics/signin/callback ─► code redeemed, ID token verified (signature, issuer, audience,
// lifetime, nonce, tenant), the person a System Administrator of the environment (WhoAmI and roles with their own
// token) ─► the app already in that tenant: checked at once; else 303 Entra admin consent (state names the signed-in
// administrator) ─► GET dynamics/consent/callback (only the signed-in tenant accepted) ─► verified with the service's
// app in that tenant ─► connected, or a steps page (add the application user, give it its role, install the
// solution) whose "Check again" re-runs the checks. A forged consent callback gets nowhere without that sign-in.
// Either step may come first (a dynamics link leads on to a fresh xero link), and either alone reauthorises.
// Nothing here logs a code, state, token, link token or secret: only connection ids and normalised errors.
//
// The legs live in their own modules: `xero-leg.ts`, `dynamics-form-leg.ts`, `app-consent-leg.ts`, the shared
// completion in `complete-connection.ts`, and the helpers they share in `onboarding-shared.ts`.
import type { DataversePort } from "../adapters/dataverse/port";
import type { WorkQueue } from "../adapters/queue/work-queue";
import type { ConnectionStore, DataverseCredentials } from "../adapters/table-storage/connection-store";
import type { LeaseStore } from "../adapters/table-storage/leases";
import type { TokenVault } from "../adapters/table-storage/token-vault";
import type { Config } from "../config";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { ScopeStore } from "../engine/scope-store";
import type { LinkStore } from "../links/link-store";
import type { SafeHtml } from "../security/html";
import type { ConnectionHealth } from "./connection-health";
import type { RealtimeRegistration } from "./first-sync";
import { createAppConsentLeg } from "./app-consent-leg";
import { createFinishConnection } from "./complete-connection";
import { createDynamicsFormLeg } from "./dynamics-form-leg";
import { createOnboardingShared } from "./onboarding-shared";
import { createXeroLeg } from "./xero-leg";

export {
  dynamicsConsentCookieName,
  onboardingCookieName,
  onboardingRoutes,
  realtimeRoleName,
  serviceRoleName,
  toEnvironmentUrl,
} from "./onboarding-shared";
export { toAppConsentGap } from "./app-consent-leg";
export { DynamicsForm } from "./dynamics-form-leg";

export interface OnboardingCookie {
  name: string;
  value: string;
  path: string;
  maxAge: number;
  httpOnly: true;
  secure: boolean;
  sameSite: "Lax";
}

/** What a handler answers: a page, or a redirect; the HTTP layer adds the security headers. */
export interface PageAnswer {
  status: number;
  page?: SafeHtml;
  location?: string;
  cookies?: OnboardingCookie[];
}

export interface OnboardingDependencies {
  config: Pick<Config, "xero" | "dataverse" | "links">;
  links: LinkStore;
  connections: ConnectionStore;
  vault: Pick<TokenVault, "storeGrant" | "getAccessToken" | "getGrantInfo" | "deleteGrant">;
  queue: WorkQueue;
  scopes: ScopeStore;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Writes the connector's health after the connection completes. */
  health?: Pick<ConnectionHealth, "refresh">;
  /** The real-time add-on's webhook registration (issue 6), when the service has it. */
  registerRealtime?: RealtimeRegistration;
  /** The Dataverse port for a set of credentials (default: the Web API client against the configured authority). */
  dataverseFor?: (credentials: DataverseCredentials) => DataversePort;
  /**
   * Serialises, per environment and across instances, connector setup (who becomes the default) and the "already
   * connected here" check with the recording of the organisation; none in unit tests.
   */
  leases?: Pick<LeaseStore, "withLease">;
}

export interface Onboarding {
  /** GET onboarding/xero?token= */
  startXero(token: string | undefined): Promise<PageAnswer>;
  /** GET xero/callback */
  completeXeroConsent(
    query: { code?: string; state?: string; error?: string },
    cookieToken: string | undefined,
  ): Promise<PageAnswer>;
  /** POST onboarding/xero/organisation */
  chooseOrganisation(tenantId: string | undefined, cookieToken: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/xero/another: a new connection for the same Dynamics 365 environment, then its Xero consent. */
  connectAnotherOrganisation(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** GET onboarding/dynamics?token= */
  showDynamicsForm(token: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/dynamics */
  submitDynamicsForm(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** POST onboarding/dynamics/consent: the environment URL, then Entra's admin consent for the service's app. */
  startAppConsent(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** GET dynamics/signin/callback: the administrator signed in; then the app's consent or its checks. */
  completeSignIn(query: SignInQuery, cookieToken: string | undefined): Promise<PageAnswer>;
  /** GET dynamics/consent/callback */
  completeAppConsent(query: AppConsentQuery, cookieToken: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/dynamics/consent/check: "Check again" after adding the application user or its role. */
  checkAppConsentAgain(form: Record<string, string | undefined>): Promise<PageAnswer>;
}

/** What Entra's admin consent redirect carries: https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#successful-response */
export interface AppConsentQuery {
  admin_consent?: string;
  tenant?: string;
  state?: string;
  error?: string;
}

/** What Entra's sign-in redirect carries: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response */
export interface SignInQuery {
  code?: string;
  state?: string;
  error?: string;
}

export function createOnboarding(deps: OnboardingDependencies): Onboarding {
  const shared = createOnboardingShared(deps);
  const finishConnection = createFinishConnection(deps, shared);
  return {
    ...createXeroLeg(deps, shared, finishConnection),
    ...createDynamicsFormLeg(deps, shared, finishConnection),
    ...createAppConsentLeg(deps, shared, finishConnection),
  };
}
