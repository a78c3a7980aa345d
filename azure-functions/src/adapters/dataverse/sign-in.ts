// Signs a person in with Microsoft Entra ID (OpenID Connect, authorization code flow with PKCE) on the service's
// multi-tenant app, and asks their Dataverse environment, with their delegated token, who they are there and which
// security roles they hold. Onboarding uses it to prove that whoever connects an environment administers it, before
// the service's own app credentials go near that environment.
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
// https://learn.microsoft.com/entra/identity-platform/v2-admin-consent ("Recommended: Sign the user into your app")
// The access token, ID token and code are secrets: the caller registers them with its logger; nothing here logs.
import { z } from "zod";
import { systemuser } from "../../generated/dataverse";
import { toTokenEndpoint } from "./client-credentials";
import { fetchEntraJson } from "./entra-json";
import { isGuid, toKeySegment, toQueryString } from "./odata";
import { webApiVersion } from "./web-api-client";

const withoutSlash = (url: string): string => url.replace(/\/+$/, "");

/** `openid profile <env root>/user_impersonation`: an ID token, and a token for the environment as the person. */
export const toSignInScope = (environmentUrl: string): string =>
  `openid profile ${withoutSlash(environmentUrl)}/user_impersonation`;

/**
 * `<authority>/<tenant>/oauth2/v2.0/authorize?…` for the code flow: query response mode, a nonce, PKCE S256.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code
 */
export function toAuthorizeUrl(
  authorityUrl: string,
  request: {
    tenantId: string;
    clientId: string;
    redirectUri: string;
    environmentUrl: string;
    state: string;
    nonce: string;
    codeChallenge: string;
  },
): string {
  const url = new URL(`${withoutSlash(authorityUrl)}/${encodeURIComponent(request.tenantId)}/oauth2/v2.0/authorize`);
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("response_mode", "query");
  url.searchParams.set("scope", toSignInScope(request.environmentUrl));
  url.searchParams.set("state", request.state);
  url.searchParams.set("nonce", request.nonce);
  url.searchParams.set("code_challenge", request.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

const CodeAnswer = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().optional(),
});
export interface SignInTokens {
  accessToken: string;
  idToken: string;
}

/**
 * Redeems the code at `<authority>/<tenant>/oauth2/v2.0/token` (the app's secret, the PKCE verifier, the same redirect
 * URI). https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token
 */
export async function redeemSignInCode(
  authorityUrl: string,
  request: {
    tenantId: string;
    clientId: string;
    clientSecret: string;
    code: string;
    redirectUri: string;
    codeVerifier: string;
    environmentUrl: string;
  },
  options: { fetch?: typeof fetch; nowMs: number; onTokens?: (tokens: SignInTokens) => void },
): Promise<SignInTokens> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: request.clientId,
    client_secret: request.clientSecret,
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
    scope: toSignInScope(request.environmentUrl),
  });
  const answer = await fetchEntraJson(
    toTokenEndpoint(authorityUrl, request.tenantId),
    {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: form.toString(),
    },
    { schema: CodeAnswer, expected: "token (ID token and access token)" },
    { ...(options.fetch === undefined ? {} : { fetch: options.fetch }), nowMs: options.nowMs },
  );
  const tokens = { accessToken: answer.access_token, idToken: answer.id_token };
  options.onTokens?.(tokens);
  return tokens;
}

/** The role that administers a Dataverse environment. https://learn.microsoft.com/power-platform/admin/database-security#environments-with-a-dataverse-database */
export const systemAdministratorRole = "System Administrator";

/**
 * The users' N:N to `role` (a platform relationship the solution does not declare, so not in the generated constants).
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser#BKMK_systemuserroles_association
 */
export const userRolesNavigation = "systemuserroles_association";

const WhoAmIAnswer = z.object({ UserId: z.string().min(1) });
const UserWithRoles = z.object({
  fullname: z.string().nullable().optional(),
  systemuserroles_association: z.array(z.object({ name: z.string().nullable() })),
});

export type EnvironmentMembership =
  | { ok: true; systemUserId: string; roles: string[]; isAdministrator: boolean }
  | { ok: false; problem: "not-a-user" | "unreachable" };

/** The Dataverse error code of a refusal body, if it has one. */
const errorCodeOf = (text: string): string | undefined => {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
};

/**
 * As the signed-in person: WhoAmI (403 `0x80072560`: not a user of this environment), then their roles through the
 * user's N:N to `role`. https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/whoami
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser#BKMK_systemuserroles_association
 */
export async function readEnvironmentMembership(
  environmentUrl: string,
  accessToken: string,
  options: { fetch?: typeof fetch },
): Promise<EnvironmentMembership> {
  const fetcher = options.fetch ?? fetch;
  const base = `${withoutSlash(environmentUrl)}/api/data/v${webApiVersion}/`;
  const get = async (path: string): Promise<{ status: number; text: string } | undefined> => {
    try {
      const response = await fetcher(`${base}${path}`, {
        headers: {
          Authorization: `Bearer ${accessToken}`,
          Accept: "application/json",
          "OData-MaxVersion": "4.0",
          "OData-Version": "4.0",
        },
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
      });
      return { status: response.status, text: await response.text() };
    } catch {
      return undefined;
    }
  };
  const parse = <T>(schema: z.ZodType<T>, text: string): T | undefined => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  const whoAmI = await get("WhoAmI");
  if (whoAmI === undefined) return { ok: false, problem: "unreachable" };
  if (whoAmI.status === 401 || (whoAmI.status === 403 && errorCodeOf(whoAmI.text) === "0x80072560"))
    return { ok: false, problem: "not-a-user" };
  const me = whoAmI.status === 200 ? parse(WhoAmIAnswer, whoAmI.text) : undefined;
  if (me === undefined) return { ok: false, problem: "unreachable" };
  const id = me.UserId.toLowerCase();
  if (!isGuid(id)) return { ok: false, problem: "unreachable" };
  const query = toQueryString({
    select: [systemuser.columns.fullname],
    expand: [{ property: userRolesNavigation, select: ["name"] }],
  });
  const read = await get(`${systemuser.entitySetName}${toKeySegment(id)}?${query}`);
  if (read === undefined) return { ok: false, problem: "unreachable" };
  // A user whose roles do not even let them read their own user record administers nothing.
  if (read.status === 403) return { ok: true, systemUserId: id, roles: [], isAdministrator: false };
  const user = read.status === 200 ? parse(UserWithRoles, read.text) : undefined;
  if (user === undefined) return { ok: false, problem: "unreachable" };
  const roles = user.systemuserroles_association.map((role) => role.name ?? "").filter((name) => name !== "");
  return { ok: true, systemUserId: id, roles, isAdministrator: roles.includes(systemAdministratorRole) };
}
