// The `solution` table, served beside the generated schema as a read-only platform table, and what an
// organisation looks like when the Xero Connector solution is not installed (its tables and columns are absent).
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solution
import type { DataverseMetadata, TableMetadata } from "../../../customizations/src/metadata";
import { modelInput, publisherPrefix } from "../../../customizations/src/index";
import type { OrgContext } from "./operations";
import { systemAttribute } from "./schema-index";
import { roleTable, systemUserRoles } from "./security";
import { deterministicId, insertSystemRow } from "./system-rows";
import { toDataverseDateTime } from "./values";

const column = systemAttribute;

/** The columns of `solution` that clients read to find out what is installed (a subset of Microsoft's table). */
export const solutionTable: TableMetadata = {
  logicalName: "solution",
  schemaName: "Solution",
  entitySetName: "solutions",
  displayName: "Solution",
  primaryIdAttribute: "solutionid",
  primaryNameAttribute: "friendlyname",
  isCustomEntity: false,
  ownershipType: "OrganizationOwned",
  attributes: [
    column("solutionid", "SolutionId", "Uniqueidentifier"),
    column("uniquename", "UniqueName", "String", { maxLength: 65 }),
    column("friendlyname", "FriendlyName", "String", { maxLength: 256 }),
    column("version", "Version", "String", { maxLength: 256 }),
    column("ismanaged", "IsManaged", "Boolean"),
    column("isvisible", "IsVisible", "Boolean"),
    column("installedon", "InstalledOn", "DateTime"),
    column("description", "Description", "Memo", { maxLength: 2000 }),
  ],
  alternateKeys: [],
};

/**
 * Platform tables the emulator serves read-only. Dataverse lets a client create, update and delete (unmanaged)
 * solutions; the emulator imports no solutions, so it answers writes as it does any method a resource lacks.
 */
export const readOnlyPlatformTables: ReadonlySet<string> = new Set([solutionTable.logicalName, roleTable.logicalName]);

/**
 * The generated schema plus the platform tables it leaves out: `solution`, and `role` with the users' N:N to it
 * (`systemuserroles_association`, when the schema has `systemuser`), which the service reads to see whether a
 * signed-in person is a System Administrator of the environment.
 */
export function withPlatformTables(metadata: DataverseMetadata): DataverseMetadata {
  const missing = [solutionTable, roleTable].filter(
    (table) => !metadata.tables.some((existing) => existing.logicalName === table.logicalName),
  );
  const hasUsers = metadata.tables.some((table) => table.logicalName === systemUserRoles.entity1LogicalName);
  const relationship =
    hasUsers && !metadata.manyToMany.some((existing) => existing.schemaName === systemUserRoles.schemaName)
      ? [systemUserRoles]
      : [];
  if (missing.length === 0 && relationship.length === 0) return metadata;
  return {
    ...metadata,
    tables: [...metadata.tables, ...missing],
    manyToMany: [...metadata.manyToMany, ...relationship],
  };
}

/** The solution as customizations/ declares it; its version is the one the generator wrote into the metadata. */
export const connectorSolution = {
  uniqueName: modelInput.solution.uniqueName,
  friendlyName: modelInput.solution.displayName,
  description: modelInput.solution.description,
} as const;

const solutionPrefix = `${publisherPrefix}_`;
const isSolutionName = (name: string): boolean => name.toLowerCase().startsWith(solutionPrefix);

/**
 * The schema of an organisation without the solution: no `mag_` tables, no `mag_` columns on standard tables, and
 * no keys or relationships that need them (an uninstalled solution leaves none of its components behind).
 * https://learn.microsoft.com/power-platform/alm/solution-concepts-alm#managed-and-unmanaged-solutions
 */
export function withoutSolution(metadata: DataverseMetadata): DataverseMetadata {
  const tables = metadata.tables
    .filter((table) => !isSolutionName(table.logicalName))
    .map((table) => {
      const attributes = table.attributes
        .filter((attribute) => !isSolutionName(attribute.logicalName))
        .map((attribute) => {
          if (attribute.targets === undefined) return attribute;
          return { ...attribute, targets: attribute.targets.filter((target) => !isSolutionName(target.table)) };
        })
        .filter((attribute) => attribute.targets === undefined || attribute.targets.length > 0);
      const kept = new Set(attributes.map((attribute) => attribute.logicalName));
      return {
        ...table,
        attributes,
        alternateKeys: table.alternateKeys.filter((key) => key.keyAttributes.every((name) => kept.has(name))),
      };
    });
  const present = new Map(
    tables.map((table) => [table.logicalName, new Set(table.attributes.map((a) => a.logicalName))]),
  );
  return {
    ...metadata,
    tables,
    oneToMany: metadata.oneToMany.filter(
      (relationship) =>
        !isSolutionName(relationship.schemaName) &&
        present.has(relationship.referencedEntity) &&
        (present.get(relationship.referencingEntity)?.has(relationship.referencingAttribute) ?? false),
    ),
    manyToMany: metadata.manyToMany.filter(
      (relationship) =>
        !isSolutionName(relationship.schemaName) &&
        present.has(relationship.entity1LogicalName) &&
        present.has(relationship.entity2LogicalName),
    ),
  };
}

/** Seeds an organisation's `solution` rows: the platform's own, and ours when `version` is not null. */
export function createSolutionRows(org: OrgContext, version: string | null): void {
  if (!org.schema.tables.has(solutionTable.logicalName)) return;
  const installedOn = toDataverseDateTime(org.clock.now());
  const seed = (uniqueName: string) => deterministicId(`${org.name}/solution/${uniqueName}`);
  // Solutions every environment has (the platform's own layers); their versions are the emulator's.
  // https://learn.microsoft.com/power-platform/alm/solution-layers-alm
  const platform = [
    { uniquename: "System", friendlyname: "System Solution", ismanaged: true, isvisible: false, version: "9.2.0.0" },
    { uniquename: "Active", friendlyname: "Active Solution", ismanaged: false, isvisible: false, version: "1.0" },
    { uniquename: "Default", friendlyname: "Default Solution", ismanaged: false, isvisible: true, version: "1.0" },
  ];
  for (const row of platform) {
    insertSystemRow(org, solutionTable.logicalName, {
      solutionid: seed(row.uniquename),
      installedon: installedOn,
      ...row,
    });
  }
  if (version === null) return;
  insertSystemRow(org, solutionTable.logicalName, {
    solutionid: seed(connectorSolution.uniqueName),
    uniquename: connectorSolution.uniqueName,
    friendlyname: connectorSolution.friendlyName,
    description: connectorSolution.description,
    version,
    ismanaged: true,
    isvisible: true,
    installedon: installedOn,
  });
}
