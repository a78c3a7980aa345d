// The Xero organisations a grant may reach: GET <api>/connections with the new access token, filtered by the
// authentication event of this consent (`?authEventId=`) so only the organisations the customer just ticked appear.
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/#5-check-the-tenants-youre-authorized-to-access
// https://developer.xero.com/documentation/guides/oauth2/tenants
import { z } from "zod";
import { fromHttpFailure, toSyncError } from "../core/errors";

export const XeroConnection = z.object({
  id: z.string(),
  authEventId: z.string().nullish(),
  tenantId: z.string().min(1),
  tenantType: z.string(),
  tenantName: z.string().nullish(),
});
export type XeroConnection = z.infer<typeof XeroConnection>;

/** The `authentication_event_id` claim of Xero's access token (read, not verified: Xero's /connections checks it). */
export function toAuthEventId(accessToken: string): string | undefined {
  const payload = accessToken.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = z
      .object({ authentication_event_id: z.string().min(1) })
      .safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    return claims.success ? claims.data.authentication_event_id : undefined;
  } catch {
    return undefined;
  }
}

/** Organisations only (Xero also lists PRACTICE tenants, which have no accounting data). */
export async function readXeroConnections(
  connectionsUrl: string,
  accessToken: string,
  options: { fetch?: typeof fetch; now: () => number; authEventId?: string },
): Promise<XeroConnection[]> {
  const url = new URL(connectionsUrl);
  if (options.authEventId !== undefined) url.searchParams.set("authEventId", options.authEventId);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw toSyncError(error, "xero");
  }
  const text = await response.text();
  if (!response.ok)
    throw fromHttpFailure({
      source: "xero",
      status: response.status,
      headers: response.headers,
      body: text,
      nowMs: options.now(),
    });
  const list = z.array(XeroConnection).parse(JSON.parse(text));
  return list.filter((connection) => connection.tenantType.toUpperCase() === "ORGANISATION");
}
