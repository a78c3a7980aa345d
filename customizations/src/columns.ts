// Small builders that keep the table declarations to one line per column. The logical name is always the schema
// name in lower case, as Dataverse derives it:
// https://learn.microsoft.com/power-apps/developer/data-platform/entity-attribute-metadata#attribute-names
import type { ColumnInput, LookupTarget, Option } from "./schema";

type Extra = Partial<Pick<ColumnInput, "description" | "requiredLevel" | "validForCreate" | "validForUpdate">>;

const base = (schemaName: string, displayName: string, extra: Extra = {}) => ({
  logicalName: schemaName.toLowerCase(),
  schemaName,
  displayName,
  ...extra,
});

/** Columns Dataverse computes or sets itself (createdon, totalamount, fullname, …): never written by clients. */
export const readOnly: Extra = { validForCreate: false, validForUpdate: false };
/** Columns that can be set on create only (isproductoverridden, overriddencreatedon, …). */
export const createOnly: Extra = { validForCreate: true, validForUpdate: false };
export const required: Extra = { requiredLevel: "ApplicationRequired" };

export const text = (
  schemaName: string,
  displayName: string,
  maxLength: number,
  extra: Extra & { format?: "Text" | "Email" | "Url" | "Phone" | "TextArea" } = {},
): ColumnInput => ({ ...base(schemaName, displayName, extra), type: "String", maxLength, ...pickFormat(extra) });

const pickFormat = (extra: { format?: "Text" | "Email" | "Url" | "Phone" | "TextArea" }) =>
  extra.format === undefined ? {} : { format: extra.format };

export const memo = (schemaName: string, displayName: string, maxLength: number, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Memo",
  maxLength,
});

export const whole = (
  schemaName: string,
  displayName: string,
  range: { min?: number; max?: number } = {},
  extra: Extra = {},
): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Integer",
  ...(range.min === undefined ? {} : { minValue: range.min }),
  ...(range.max === undefined ? {} : { maxValue: range.max }),
});

export const bigInt = (schemaName: string, displayName: string, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "BigInt",
});

export const decimal = (
  schemaName: string,
  displayName: string,
  precision: number,
  extra: Extra = {},
): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Decimal",
  precision,
});

export const float = (schemaName: string, displayName: string, precision: number, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Double",
  precision,
});

export const money = (schemaName: string, displayName: string, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Money",
});

export const yesNo = (
  schemaName: string,
  displayName: string,
  extra: Extra & { defaultValue?: boolean } = {},
): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Boolean",
  ...(extra.defaultValue === undefined ? {} : { defaultValue: extra.defaultValue }),
});

export const dateTime = (schemaName: string, displayName: string, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "DateTime",
  behavior: "UserLocal",
  format: "DateAndTime",
});

/** A date without time (Format DateOnly). `behavior` "DateOnly" stores no time zone at all. */
export const dateOnly = (
  schemaName: string,
  displayName: string,
  behavior: "UserLocal" | "DateOnly" = "DateOnly",
  extra: Extra = {},
): ColumnInput => ({ ...base(schemaName, displayName, extra), type: "DateTime", behavior, format: "DateOnly" });

export const choice = (
  schemaName: string,
  displayName: string,
  globalChoice: string,
  extra: Extra = {},
): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Picklist",
  globalChoice,
});

export const localChoice = (
  schemaName: string,
  displayName: string,
  options: Option[],
  extra: Extra = {},
): ColumnInput => ({ ...base(schemaName, displayName, extra), type: "Picklist", options });

export const lookup = (
  schemaName: string,
  displayName: string,
  targets: LookupTarget[],
  extra: Extra = {},
): ColumnInput => ({ ...base(schemaName, displayName, extra), type: "Lookup", targets });

export const customer = (
  schemaName: string,
  displayName: string,
  targets: LookupTarget[],
  extra: Extra = {},
): ColumnInput => ({ ...base(schemaName, displayName, extra), type: "Customer", targets });

export const uniqueId = (schemaName: string, displayName: string, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "Uniqueidentifier",
});

export const entityName = (schemaName: string, displayName: string, extra: Extra = {}): ColumnInput => ({
  ...base(schemaName, displayName, extra),
  type: "EntityName",
});

/** A standard lookup: Dataverse names its navigation property after the lookup's logical name. */
export const target = (table: string, navigationProperty: string, relationship: string): LookupTarget => ({
  table,
  navigationProperty,
  relationship,
});

/**
 * A lookup the solution adds. Dataverse names the single-valued navigation property after the lookup's schema name
 * (`mag_XeroConnectorId`), and the relationship `mag_<target>_<table>_<lookup>` here (the maker portal's pattern).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-navigation-properties
 */
export const customLookup = (
  table: string,
  schemaName: string,
  displayName: string,
  targetTable: string,
  extra: Extra = {},
): ColumnInput =>
  lookup(
    schemaName,
    displayName,
    [
      {
        table: targetTable,
        navigationProperty: schemaName,
        relationship: `mag_${targetTable.replace(/^mag_/, "")}_${table.replace(/^mag_/, "")}_${schemaName
          .toLowerCase()
          .replace(/^mag_/, "")}`,
      },
    ],
    extra,
  );

const stateOptions = (inactiveLabel = "Inactive"): Option[] => [
  { value: 0, label: "Active" },
  { value: 1, label: inactiveLabel },
];
const statusOptions = (activeValue = 1, inactiveValue = 2): Option[] => [
  { value: activeValue, label: "Active", state: 0 },
  { value: inactiveValue, label: "Inactive", state: 1 },
];

/** statecode/statuscode of a table with the default Active / Inactive states. */
export const activeInactive = (statusValues: [number, number] = [1, 2]): ColumnInput[] => [
  { ...base("StateCode", "Status", { requiredLevel: "SystemRequired" }), type: "State", options: stateOptions() },
  { ...base("StatusCode", "Status Reason"), type: "Status", options: statusOptions(statusValues[0], statusValues[1]) },
];

/**
 * Audit and ownership columns every table has. Standard tables name their relationships `lk_<table>base_createdby`,
 * custom tables `lk_<table>_createdby`; ownership relationships `owner_<set>` / `business_unit_<set>`.
 * https://learn.microsoft.com/power-apps/developer/data-platform/types-of-entities
 */
export const systemColumns = (
  table: string,
  entitySetName: string,
  ownership: "UserOwned" | "OrganizationOwned",
  custom: boolean,
): ColumnInput[] => {
  const lk = custom ? `lk_${table}` : `lk_${table}base`;
  const set = custom ? table : entitySetName;
  const audit: ColumnInput[] = [
    dateTime("CreatedOn", "Created On", readOnly),
    dateTime("ModifiedOn", "Modified On", readOnly),
    lookup("CreatedBy", "Created By", [target("systemuser", "createdby", `${lk}_createdby`)], readOnly),
    lookup("ModifiedBy", "Modified By", [target("systemuser", "modifiedby", `${lk}_modifiedby`)], readOnly),
    bigInt("VersionNumber", "Version Number", readOnly),
    dateOnly("OverriddenCreatedOn", "Record Created On", "UserLocal", createOnly),
    whole("ImportSequenceNumber", "Import Sequence Number", {}, createOnly),
  ];
  if (ownership === "OrganizationOwned") {
    return [
      ...audit,
      lookup(
        "OrganizationId",
        "Organization",
        [target("organization", "organizationid", `organization_${set}`)],
        readOnly,
      ),
    ];
  }
  return [
    ...audit,
    {
      ...base("OwnerId", "Owner", { requiredLevel: "SystemRequired" }),
      type: "Owner",
      targets: [target("systemuser", "ownerid", `owner_${set}`), target("team", "ownerid", `team_${set}`)],
    },
    lookup(
      "OwningBusinessUnit",
      "Owning Business Unit",
      [target("businessunit", "owningbusinessunit", `business_unit_${set}`)],
      readOnly,
    ),
    lookup("OwningUser", "Owning User", [target("systemuser", "owninguser", `user_${set}`)], readOnly),
    lookup("OwningTeam", "Owning Team", [target("team", "owningteam", `team_owner_${set}`)], readOnly),
  ];
};
