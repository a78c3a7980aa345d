// Who a Web API request runs as (an application user, or a signed-in user with a delegated token), the roles they
// hold, and the privilege check Dataverse makes before it touches a table. Privileges are
// modelled only as "the application user holds at least one security role": without one, every table operation is
// refused with Dataverse's missing-privilege answer; with one, everything is allowed.
// https://learn.microsoft.com/power-platform/admin/security-roles-privileges
// https://learn.microsoft.com/power-platform/admin/manage-application-users
import type { ManyToManyMetadata, TableMetadata } from "../../../customizations/src/metadata";
import { DataverseError } from "./errors";
import type { OrgContext } from "./operations";
import type { TableIndex } from "./schema-index";
import { deterministicId, insertSystemRow } from "./system-rows";

/** The application user, or the interactive user of a delegated token, a request acts as. */
export interface Caller {
  systemUserId: string;
  businessUnitId: string;
  /** The service principal's object id in the tenant (AADObjectId in Dataverse's messages). */
  objectId: string;
  roles: readonly string[];
}

export type PrivilegeAccess = "Create" | "Read" | "Write" | "Delete" | "Append" | "AppendTo";

// Invoice lines have no privileges of their own: access follows the parent invoice.
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/invoicedetail
const privilegeTable: Record<string, string> = { invoicedetail: "invoice" };

/** `prvRead<logical name>`, as Dataverse names a table's privileges. */
export const toPrivilegeName = (access: PrivilegeAccess, logicalName: string): string =>
  `prv${access}${privilegeTable[logicalName] ?? logicalName}`;

/**
 * Dataverse's 403 for a principal without the privilege (type=8 is a system user; accessMode 4 non-interactive,
 * as application users are).
 * https://learn.microsoft.com/troubleshoot/dynamics-365/field-service/mobile-app/newux-error-on-start-permission
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
 */
export function missingPrivilege(caller: Caller, table: TableIndex, access: PrivilegeAccess): DataverseError {
  const privilege = toPrivilegeName(access, table.logicalName);
  return new DataverseError(
    403,
    "0x80040220",
    `Principal user (Id=${caller.systemUserId}, type=8, roleCount=${caller.roles.length}, privilegeCount=0, accessMode='4 Non-interactive', AADObjectId='${caller.objectId}', businessUnitId=${caller.businessUnitId}), is missing ${privilege} privilege (Id=${deterministicId(`privilege/${privilege}`)}) for entity '${table.logicalName}' (LocalizedName='${table.meta.displayName}'). context.Caller=${caller.systemUserId}. Consider adding missed privilege to one of the principal (user/team) roles.`,
  );
}

/** Throws Dataverse's 403 when the request's application user may not do this to the table. */
export function requirePrivilege(org: OrgContext, table: TableIndex, access: PrivilegeAccess): void {
  const caller = org.caller;
  if (caller === undefined || caller.roles.length > 0) return;
  throw missingPrivilege(caller, table, access);
}

/**
 * Security roles as rows, so a client reads a user's roles as Dataverse answers them:
 * `systemusers(<id>)?$expand=systemuserroles_association($select=name)`. Only the role's id and name are kept; the
 * roles are per organisation (Dataverse copies them into each business unit; the emulator has one).
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/role
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser#BKMK_systemuserroles_association
 */
export const roleTable: TableMetadata = {
  logicalName: "role",
  schemaName: "Role",
  entitySetName: "roles",
  displayName: "Security Role",
  primaryIdAttribute: "roleid",
  primaryNameAttribute: "name",
  isCustomEntity: false,
  // Business-owned in Dataverse; the emulator's metadata knows user- and organisation-owned tables only.
  ownershipType: "OrganizationOwned",
  attributes: [
    {
      logicalName: "roleid",
      schemaName: "RoleId",
      displayName: "Role",
      type: "Uniqueidentifier",
      requiredLevel: "SystemRequired",
      isValidForCreate: false,
      isValidForUpdate: false,
    },
    {
      logicalName: "name",
      schemaName: "Name",
      displayName: "Name",
      type: "String",
      requiredLevel: "SystemRequired",
      isValidForCreate: false,
      isValidForUpdate: false,
      maxLength: 100,
    },
  ],
  alternateKeys: [],
};

/** The N:N between users and their roles; both sides name their navigation property after it. */
export const systemUserRoles: ManyToManyMetadata = {
  schemaName: "systemuserroles_association",
  entity1LogicalName: "systemuser",
  entity2LogicalName: "role",
  intersectEntityName: "systemuserroles",
  entity1NavigationPropertyName: "systemuserroles_association",
  entity2NavigationPropertyName: "systemuserroles_association",
};

/** Gives a user a role by name, creating the organisation's role row the first time it is used. */
export function grantRole(org: OrgContext, systemUserId: string, roleName: string): void {
  if (!org.schema.tables.has(roleTable.logicalName)) return;
  const roleId = deterministicId(`${org.name}/role/${roleName}`);
  if (org.store.get(roleTable.logicalName, roleId) === undefined)
    insertSystemRow(org, roleTable.logicalName, { roleid: roleId, name: roleName });
  org.store.links(systemUserRoles.schemaName).add(`${systemUserId.toLowerCase()}|${roleId}`);
}
