// "Connect another Xero organisation" from the connected page (issue 7: several Xero organisations per Dynamics 365
// org, one connector each), the pure part. The page's button posts a ticket: HMAC-signed with the link signing key,
// bound to the connection the page was shown for, 30 minutes. It carries no secret: the service copies that
// connection's Dynamics 365 part itself, server side. The new connection's id is derived from the ticket, so a double
// click (or a reload of the POST) finds the same new connection instead of making another.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { safeEqual, signHmacSha256 } from "../security/hmac";

export const anotherOrganisationTicketLifetimeMs = 30 * 60_000;

const TicketPayload = z.object({
  /** The source connection: its Dynamics 365 part is what the new connection gets. */
  c: z.string().min(1).max(128),
  /** Random; names the new connection (see `toAnotherConnectionId`). */
  n: z.string().min(16),
  e: z.number().int().positive(),
});

export type AnotherOrganisationRefusal = "malformed" | "tampered" | "expired";
export type AnotherOrganisationTicketCheck =
  { ok: true; sourceConnectionId: string; nonce: string } | { ok: false; reason: AnotherOrganisationRefusal };

// Domain-separated: a link, a consent state or a check ticket never passes as this ticket, nor the reverse.
const signedInput = (encoded: string): string => `xero-connector-another-organisation.${encoded}`;

export function newAnotherOrganisationTicket(sourceConnectionId: string, signingKey: string, now: number): string {
  const payload = TicketPayload.parse({
    c: sourceConnectionId,
    n: randomBytes(16).toString("base64url"),
    e: now + anotherOrganisationTicketLifetimeMs,
  });
  const encoded = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${encoded}.${signHmacSha256(signingKey, signedInput(encoded))}`;
}

export function checkAnotherOrganisationTicket(
  ticket: string,
  signingKey: string,
  now: number,
): AnotherOrganisationTicketCheck {
  const parts = ticket.split(".");
  const [encoded, signature] = parts;
  if (parts.length !== 2 || encoded === undefined || signature === undefined || encoded === "" || signature === "")
    return { ok: false, reason: "malformed" };
  if (!safeEqual(signHmacSha256(signingKey, signedInput(encoded)), signature)) return { ok: false, reason: "tampered" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = TicketPayload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.e <= now) return { ok: false, reason: "expired" };
  return { ok: true, sourceConnectionId: parsed.data.c, nonce: parsed.data.n };
}

/**
 * The id of the connection a ticket creates: a UUID-shaped digest of its nonce under the signing key, so the same
 * ticket always names the same new connection and nobody without the key can predict it.
 */
export function toAnotherConnectionId(nonce: string, signingKey: string): string {
  const hex = signHmacSha256(signingKey, `xero-connector-another-connection.${nonce}`, "hex");
  // RFC 9562 layout with version 8 (custom) and the RFC variant bits.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
