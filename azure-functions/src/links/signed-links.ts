// Signed onboarding / reauthorisation links, the pure part: the token format, its HMAC-SHA256 signature, expiry
// maths and the words a refused link shows. A token is `<payload>.<signature>`, both base64url; the payload names the
// link id (stored in the `links` table, which makes it single-use), its kind, its connection and its expiry.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { signHmacSha256, safeEqual } from "../security/hmac";

export const linkKinds = ["xero", "dynamics"] as const;
export type LinkKind = (typeof linkKinds)[number];

export const LinkPayload = z.object({
  /** Format version. */
  v: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  kind: z.enum(linkKinds),
  connectionId: z.string().min(1).max(128),
  /** Expiry, epoch milliseconds. */
  exp: z.number().int().positive(),
});
export type LinkPayload = z.infer<typeof LinkPayload>;

/** Why a link was refused; the onboarding page renders `explainRefusal(reason)`. */
export const linkRefusals = ["malformed", "tampered", "expired", "used", "revoked", "wrong-kind"] as const;
export type LinkRefusal = (typeof linkRefusals)[number];

export type LinkCheck = { ok: true; payload: LinkPayload } | { ok: false; reason: LinkRefusal };

export const maxLinkLifetimeMs = 30 * 24 * 60 * 60_000;

export function newLinkId(): string {
  return randomBytes(18).toString("base64url");
}

/** Domain-separated so a link signature can never be replayed as another HMAC the service computes. */
const signingInput = (encodedPayload: string): string => `xero-connector-link.${encodedPayload}`;

export function toLinkToken(payload: LinkPayload, signingKey: string): string {
  const encoded = Buffer.from(JSON.stringify(LinkPayload.parse(payload)), "utf8").toString("base64url");
  return `${encoded}.${signHmacSha256(signingKey, signingInput(encoded))}`;
}

/** Checks format, signature and expiry (not single use: the store does that). */
export function checkLinkToken(token: string, signingKey: string, now: number, expectedKind?: LinkKind): LinkCheck {
  const parts = token.split(".");
  const [encoded, signature] = parts;
  if (parts.length !== 2 || encoded === undefined || signature === undefined || encoded === "" || signature === "") return { ok: false, reason: "malformed" };
  if (!safeEqual(signHmacSha256(signingKey, signingInput(encoded)), signature)) return { ok: false, reason: "tampered" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = LinkPayload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (expectedKind !== undefined && parsed.data.kind !== expectedKind) return { ok: false, reason: "wrong-kind" };
  if (parsed.data.exp <= now) return { ok: false, reason: "expired" };
  return { ok: true, payload: parsed.data };
}

/** `72h`, `30m`, `7d`, `90s` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim());
  if (match === null) throw new RangeError(`not a duration: ${text} (use e.g. 30m, 72h, 7d)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? "h").toLowerCase() as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** The service's page for a link of this kind. */
export function toLinkUrl(publicBaseUrl: string, kind: LinkKind, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/api/onboarding/${kind}?token=${encodeURIComponent(token)}`;
}

export interface RefusalExplanation {
  title: string;
  /** What happened, in plain words. */
  message: string;
  /** What to do next. */
  action: string;
}

const askForNewLink = "Ask your administrator or Xero Connector support for a new link (support can create one in a minute).";

export function explainRefusal(reason: LinkRefusal): RefusalExplanation {
  switch (reason) {
    case "expired":
      return { title: "This link has expired", message: "Links are valid for a limited time to keep your connection safe.", action: askForNewLink };
    case "used":
      return {
        title: "This link has already been used",
        message: "Each link works once. If you completed the connection, there is nothing more to do; the connector record shows its status.",
        action: `If you did not finish, ${askForNewLink.charAt(0).toLowerCase()}${askForNewLink.slice(1)}`,
      };
    case "revoked":
      return { title: "This link is no longer valid", message: "It was withdrawn, or a newer link replaced it.", action: askForNewLink };
    case "wrong-kind":
      return { title: "This link is for a different step", message: "It was opened on a page for another kind of authorisation.", action: "Open the link exactly as you received it." };
    case "tampered":
    case "malformed":
      return {
        title: "This link is not valid",
        message: "It may have been cut short or changed when it was copied.",
        action: `Copy the whole link again from the message you received. ${askForNewLink}`,
      };
  }
}
