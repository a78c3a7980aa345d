// Rows every organisation has before anyone writes: its organization, root business unit, the application user
// the service runs as, and the sdkmessage / sdkmessagefilter rows that webhook registration looks up.
// https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
import { createHash } from "node:crypto";
import type { OrgContext } from "./operations";
import type { LookupValue, StoredValue } from "./store";
import { toDataverseDateTime } from "./values";

/** A GUID derived from a text, so seeded ids are the same on every run. */
export function deterministicId(seed: string): string {
  const hex = createHash("sha1").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Stores a row as the platform would, bypassing the create rules (for rows clients cannot create). */
export function insertSystemRow(org: OrgContext, tableName: string, values: Record<string, StoredValue>): string {
  const table = org.schema.tables.get(tableName);
  const given = table === undefined ? values[`${tableName}id`] : values[table.primaryId];
  if (typeof given !== "string") throw new Error(`insertSystemRow needs the ${tableName} row's id as a string.`);
  if (table === undefined) return given;
  const id = given.toLowerCase();
  const now = toDataverseDateTime(org.clock.now());
  const row: Record<string, StoredValue> = {};
  for (const [name, value] of Object.entries({ statecode: 0, createdon: now, modifiedon: now, ...values })) {
    if (table.attributes.has(name)) row[name] = value;
  }
  row[table.primaryId] = id;
  row["versionnumber"] = org.store.nextVersion();
  if (!("statuscode" in row) && table.attributes.has("statuscode")) {
    const status = table.attributes.get("statuscode")?.options?.find((option) => option.state === 0)?.value;
    if (status !== undefined) row["statuscode"] = status;
  }
  org.store.put(tableName, id, row);
  return id;
}

const ref = (table: string, id: string): LookupValue => ({ id, table });

export const sdkMessages = ["Create", "Update", "Delete"] as const;

export function createSystemRows(org: OrgContext): void {
  const seed = (text: string) => deterministicId(`${org.name}/${text}`);
  insertSystemRow(org, "businessunit", { businessunitid: org.businessUnitId, name: org.name });
  insertSystemRow(org, "systemuser", {
    systemuserid: org.userId,
    fullname: "# Xero Connector (application user)",
    firstname: "#",
    lastname: "Xero Connector (application user)",
    businessunitid: ref("businessunit", org.businessUnitId),
  });
  insertSystemRow(org, "organization", { organizationid: org.organizationId, name: org.name });
  for (const message of sdkMessages) {
    const messageId = insertSystemRow(org, "sdkmessage", {
      sdkmessageid: seed(`sdkmessage/${message}`),
      name: message,
    });
    for (const table of org.schema.metadata.tables) {
      insertSystemRow(org, "sdkmessagefilter", {
        sdkmessagefilterid: seed(`sdkmessagefilter/${message}/${table.logicalName}`),
        sdkmessageid: ref("sdkmessage", messageId),
        primaryobjecttypecode: table.logicalName,
        secondaryobjecttypecode: "none",
        name: `${message} of ${table.logicalName}`,
        iscustomprocessingstepallowed: true,
      });
    }
  }
}
