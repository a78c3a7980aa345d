// How the Xero API emulator checks a bearer token: the identity emulator issues tokens, the API asks it about them.
// Real Xero answers 401 for missing, expired or revoked tokens and 403 when the token's connections do not include
// the Xero-tenant-id asked for: https://developer.xero.com/documentation/guides/oauth2/troubleshooting

export type TokenCheck =
  | { ok: true; userId: string; tenantIds: readonly string[]; scopes: readonly string[] }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "revoked" | "unknown" };

export interface TokenAuthority {
  validateAccessToken(token: string | undefined): TokenCheck;
}
