import { createHmac, timingSafeEqual } from "node:crypto";

// Xero signs the raw body of every webhook request: x-xero-signature = base64(HMAC-SHA256(webhook key, raw body)).
// https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/#intent-to-receive

export const signatureHeader = "x-xero-signature";

export function signXeroWebhook(webhookKey: string, rawBody: string | Buffer): string {
  return createHmac("sha256", webhookKey).update(rawBody).digest("base64");
}

/** Constant-time check of a received signature, as a receiver must do it. */
export function verifyXeroWebhook(
  webhookKey: string,
  rawBody: string | Buffer,
  signature: string | undefined,
): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signXeroWebhook(webhookKey, rawBody));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
