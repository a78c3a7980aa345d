// Install checks before the first sync: the Xero Connector solution's tables exist in the environment (metadata
// query on EntityDefinitions) and its version is one this service supports (the `solution` table).
// Metadata: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
// Solution table: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solution
import type { DataversePort } from "../adapters/dataverse/port";
import { filter, isIn, toStringLiteral } from "../adapters/dataverse/odata";
import { toSyncError } from "../core/errors";
import {
  mag_brandingtheme,
  mag_taxrate,
  mag_trackingcategory,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerosynclog,
} from "../generated/dataverse";

export const solutionUniqueName = "XeroConnector";
/** The oldest solution version whose tables and columns this service writes. */
export const minimumSolutionVersion = "1.0.0.0";

/** The tables onboarding and the first sync write. */
export const requiredTables: readonly string[] = [
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xeroaccountcode,
  mag_taxrate,
  mag_brandingtheme,
  mag_trackingcategory,
  mag_trackingoption,
  mag_xerosynclog,
].map((table) => table.logicalName);

export type InstallCheck =
  | { ok: true; solutionVersion: string | undefined }
  | { ok: false; problem: "solution-missing" | "solution-outdated"; message: string; action: string };

/** Compares dotted versions numerically (1.10.0.0 > 1.9.0.0); missing parts count as 0. */
export function compareVersions(left: string, right: string): number {
  const a = left.split(".").map(Number);
  const b = right.split(".").map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/** Pure verdict over what the environment answered. */
export function toInstallCheck(foundTables: readonly string[], solutionVersion: string | undefined): InstallCheck {
  const found = new Set(foundTables.map((name) => name.toLowerCase()));
  const missing = requiredTables.filter((name) => !found.has(name));
  if (missing.length > 0) {
    return {
      ok: false,
      problem: "solution-missing",
      message: `The Xero Connector solution is not installed in this environment (missing: ${missing.join(", ")}).`,
      action: "Install the Xero Connector solution from AppSource, then submit this page again.",
    };
  }
  if (solutionVersion !== undefined && compareVersions(solutionVersion, minimumSolutionVersion) < 0) {
    return {
      ok: false,
      problem: "solution-outdated",
      message: `The installed Xero Connector solution is version ${solutionVersion}; this service needs ${minimumSolutionVersion} or later.`,
      action: "Update the Xero Connector solution from AppSource, then submit this page again.",
    };
  }
  return { ok: true, solutionVersion };
}

/** The solution's version, or undefined when this user may not read the solution table. */
async function readSolutionVersion(dataverse: DataversePort): Promise<string | undefined> {
  try {
    const rows = await dataverse.retrieveMultiple<{ version?: string }>("solutions", {
      select: ["version"],
      filter: filter`uniquename eq ${toStringLiteral(solutionUniqueName)}`,
      top: 1,
    });
    return rows[0]?.version;
  } catch (thrown) {
    // The table check above already proved the solution's tables are present, so a solution table this user may not
    // read (403: a role without prvReadSolution; the Xero Connector Service role has it) or cannot see (404) leaves
    // the version unknown rather than refusing the installation.
    const status = toSyncError(thrown, "dataverse").details.status;
    if (status === 403 || status === 404) return undefined;
    throw thrown;
  }
}

export async function checkInstallation(dataverse: DataversePort): Promise<InstallCheck> {
  const definitions = await dataverse.retrieveMultiple<{ LogicalName: string }>("EntityDefinitions", {
    select: ["LogicalName"],
    filter: isIn("LogicalName", requiredTables.map(toStringLiteral)),
  });
  const tables = definitions.map((row) => row.LogicalName);
  const verdict = toInstallCheck(tables, undefined);
  if (!verdict.ok) return verdict;
  return toInstallCheck(tables, await readSolutionVersion(dataverse));
}
