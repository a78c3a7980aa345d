// Deterministic GUIDs: an RFC 4122 version-5 (SHA-1, name-based) UUID of a component's kind and name, so ids stay
// the same across regenerations and machines, and an upgrade of the managed solution updates (not duplicates) them.
// https://www.rfc-editor.org/rfc/rfc4122#section-4.3
import { createHash } from "node:crypto";

/** A fixed, random namespace for this solution's ids (never change it: every id would change). */
const namespace = Buffer.from("0d8b4a8e3c1f5b2a9e6d7c4b3a2f1e0d", "hex");

export const stableGuid = (...parts: string[]): string => {
  const hash = createHash("sha1").update(namespace).update(parts.join("/"), "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** `{xxxxxxxx-…}` as customizations.xml writes ids. */
export const braced = (guid: string): string => `{${guid}}`;
