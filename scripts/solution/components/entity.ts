// Tables and columns as customizations.xml declares them (<Entity>/<EntityInfo>/<entity>/<attributes>).
// Element names and values follow the customization solutions file schema (CustomizationsSolution.xsd) and real
// exports: https://learn.microsoft.com/power-apps/developer/data-platform/customization-solutions-file-schema
import type { Column, Table } from "../../../customizations/src/schema";
import { optionsOf } from "../to-metadata";
import { el, type XmlElement } from "../xml";
import { type Context, descriptions, displayNames, flag, isSolutionColumn, labels, localizedNames } from "./common";

const crmType = (table: Table, column: Column): string => {
  if (column.logicalName === table.primaryIdAttribute) return "primarykey";
  switch (column.type) {
    case "String":
      return "nvarchar";
    case "Memo":
      return "ntext";
    case "Integer":
      return "int";
    case "BigInt":
      return "bigint";
    case "Decimal":
      return "decimal";
    case "Double":
      return "float";
    case "Money":
      return "money";
    case "Boolean":
      return "bit";
    case "DateTime":
      return "datetime";
    case "Picklist":
      return "picklist";
    case "State":
      return "state";
    case "Status":
      return "status";
    case "Lookup":
      return "lookup";
    case "Customer":
      return "customer";
    case "Owner":
      return "owner";
    case "Uniqueidentifier":
      return "uniqueidentifier";
    case "EntityName":
      return "nvarchar";
  }
};

const requiredLevel = (column: Column): string =>
  ({ None: "none", ApplicationRequired: "required", SystemRequired: "systemrequired" })[column.requiredLevel];

const displayMask = (table: Table, column: Column): string => {
  if (column.logicalName === table.primaryIdAttribute) return "ValidForAdvancedFind|RequiredForGrid";
  if (column.logicalName === table.primaryNameAttribute) {
    return "PrimaryName|ValidForAdvancedFind|ValidForForm|ValidForGrid|RequiredForForm";
  }
  return "ValidForAdvancedFind|ValidForForm|ValidForGrid";
};

const option = (value: number, label: string): XmlElement =>
  el("option", { value }, labels("labels", "label", label));

/** Local option sets: two-option (bit), state, status and non-global choices. */
const localOptionSet = (ctx: Context, table: Table, column: Column): XmlElement | undefined => {
  const common = (type: string) => [
    el("OptionSetType", {}, type),
    el("IntroducedVersion", {}, ctx.version),
    el("IsCustomizable", {}, "1"),
    displayNames(column.displayName),
    descriptions(column.description),
  ];
  const name = `${table.logicalName}_${column.logicalName}`;
  switch (column.type) {
    case "Boolean":
      return el("optionset", { Name: name }, common("bit"), el("options", {}, option(1, column.trueLabel), option(0, column.falseLabel)));
    case "State":
      return el(
        "optionset",
        { Name: name },
        common("state"),
        el(
          "states",
          {},
          column.options.map((o) => {
            const firstStatus = optionsOf(ctx.model, statusColumn(table))?.find((s) => s.state === o.value);
            return el(
              "state",
              { value: o.value, defaultstatus: firstStatus?.value ?? o.value + 1, invariantname: o.label.replace(/\W/g, "") },
              labels("labels", "label", o.label),
            );
          }),
        ),
      );
    case "Status":
      return el(
        "optionset",
        { Name: name },
        common("status"),
        el("statuses", {}, column.options.map((o) => el("status", { value: o.value, state: o.state }, labels("labels", "label", o.label)))),
      );
    case "Picklist":
      if (column.globalChoice !== undefined) return undefined;
      return el("optionset", { Name: name }, common("picklist"), el("options", {}, (column.options ?? []).map((o) => option(o.value, o.label))));
    default:
      return undefined;
  }
};

const statusColumn = (table: Table): Column => {
  const status = table.columns.find((c) => c.type === "Status");
  if (status === undefined) throw new Error(`table ${table.logicalName} has a state column without a status column`);
  return status;
};

const typeElements = (column: Column): (XmlElement | undefined)[] => {
  switch (column.type) {
    case "String":
      return [
        el("Format", {}, column.format.toLowerCase() === "textarea" ? "textarea" : column.format.toLowerCase()),
        el("MaxLength", {}, column.maxLength),
        el("Length", {}, column.maxLength * 2),
      ];
    case "Memo":
      return [el("Format", {}, "text"), el("MaxLength", {}, column.maxLength)];
    case "Integer":
      return [el("Format", {}, "none"), el("MinValue", {}, column.minValue), el("MaxValue", {}, column.maxValue)];
    case "Decimal":
    case "Double":
      return [el("MinValue", {}, column.minValue), el("MaxValue", {}, column.maxValue), el("Accuracy", {}, column.precision)];
    case "Money":
      return [
        // <column>_base is Dataverse's base-currency copy of <column>.
        column.logicalName.endsWith("_base") ? el("CalculationOf", {}, column.logicalName.replace(/_base$/, "")) : undefined,
        el("MinValue", {}, column.minValue),
        el("MaxValue", {}, column.maxValue),
        el("Accuracy", {}, column.precision),
        el("AccuracySource", {}, 2),
      ];
    case "DateTime":
      return [
        el("Format", {}, column.format === "DateOnly" ? "date" : "datetime"),
        el("Behavior", {}, { UserLocal: 1, DateOnly: 2, TimeZoneIndependent: 3 }[column.behavior]),
        el("CanChangeDateTimeBehavior", {}, "1"),
      ];
    case "Picklist":
      return column.globalChoice === undefined ? [] : [el("OptionSetName", {}, column.globalChoice)];
    case "Lookup":
    case "Customer":
    case "Owner":
      return [el("LookupStyle", {}, "single"), el("LookupTypes", {})];
    case "Boolean":
      return [el("AppDefaultValue", {}, column.defaultValue ? 1 : 0)];
    default:
      return [];
  }
};

export const attributeElement = (ctx: Context, table: Table, column: Column): XmlElement => {
  const custom = isSolutionColumn(ctx.model, column.logicalName);
  return el(
    "attribute",
    { PhysicalName: column.schemaName },
    el("Type", {}, crmType(table, column)),
    el("Name", {}, column.logicalName),
    el("LogicalName", {}, column.logicalName),
    el("RequiredLevel", {}, requiredLevel(column)),
    el("DisplayMask", {}, displayMask(table, column)),
    el("ImeMode", {}, "auto"),
    el("ValidForUpdateApi", {}, flag(column.validForUpdate)),
    el("ValidForReadApi", {}, "1"),
    el("ValidForCreateApi", {}, flag(column.validForCreate)),
    el("IsCustomField", {}, flag(custom)),
    el("IsAuditEnabled", {}, flag(custom)),
    el("IsSecured", {}, "0"),
    el("IntroducedVersion", {}, ctx.version),
    el("IsCustomizable", {}, "1"),
    el("IsRenameable", {}, "1"),
    el("CanModifySearchSettings", {}, "1"),
    el("CanModifyRequirementLevelSettings", {}, "1"),
    el("CanModifyAdditionalSettings", {}, "1"),
    el("SourceType", {}, 0),
    ...typeElements(column),
    localOptionSet(ctx, table, column),
    displayNames(column.displayName),
    descriptions(column.description === "" ? column.displayName : column.description),
  );
};

const entityKeys = (ctx: Context, table: Table): XmlElement | undefined =>
  table.keys.length === 0
    ? undefined
    : el(
        "EntityKeys",
        {},
        table.keys.map((key) =>
          el(
            "EntityKey",
            {},
            el("Name", {}, key.schemaName),
            el("LogicalName", {}, key.schemaName.toLowerCase()),
            el("IntroducedVersion", {}, ctx.version),
            el("IsCustomizable", {}, "1"),
            displayNames(key.displayName),
            el("EntityKeyAttributes", {}, key.columns.map((c) => el("AttributeName", {}, c))),
          ),
        ),
      );

/**
 * The <Entity> element without its forms, views, charts and ribbon (those live in their own files when unpacked).
 * Standard tables are written `unmodified="1"` with only the columns the solution adds, as an export of a table
 * whose subcomponents were added one by one.
 */
export const entityElement = (ctx: Context, table: Table): XmlElement => {
  const columns = table.isCustomEntity ? table.columns : table.columns.filter((c) => isSolutionColumn(ctx.model, c.logicalName));
  const keys = table.isCustomEntity ? table.keys : table.keys.filter((k) => isSolutionColumn(ctx.model, k.schemaName.toLowerCase()));
  const details = table.isCustomEntity
    ? [
        localizedNames(table.displayName),
        labels("LocalizedCollectionNames", "LocalizedCollectionName", table.pluralName),
        descriptions(table.description),
        el("EntitySetName", {}, table.entitySetName),
        el("IsDuplicateCheckSupported", {}, "0"),
        el("IsBusinessProcessEnabled", {}, "0"),
        el("IsRequiredOffline", {}, "0"),
        el("IsInteractionCentricEnabled", {}, "0"),
        el("IsCollaboration", {}, "0"),
        el("AutoRouteToOwnerQueue", {}, "0"),
        el("IsConnectionsEnabled", {}, "0"),
        el("IsDocumentManagementEnabled", {}, "0"),
        el("AutoCreateAccessTeams", {}, "0"),
        el("IsOneNoteIntegrationEnabled", {}, "0"),
        el("IsKnowledgeManagementEnabled", {}, "0"),
        el("IsSLAEnabled", {}, "0"),
        el("IsDocumentRecommendationsEnabled", {}, "0"),
        el("IsBPFEntity", {}, "0"),
        el("OwnershipTypeMask", {}, table.ownershipType),
        el("IsAuditEnabled", {}, "1"),
        el("IsActivity", {}, "0"),
        el("IsActivityParty", {}, "0"),
        el("IsReplicated", {}, "0"),
        el("IsReplicationUserFiltered", {}, "0"),
        el("IsMailMergeEnabled", {}, "0"),
        el("IsVisibleInMobile", {}, "0"),
        el("IsVisibleInMobileClient", {}, "1"),
        el("IsReadOnlyInMobileClient", {}, "0"),
        el("IsOfflineInMobileClient", {}, "0"),
        el("DaysSinceRecordLastModified", {}, 0),
        el("IsMapiGridEnabled", {}, "1"),
        el("IsReadingPaneEnabled", {}, "1"),
        el("IsQuickCreateEnabled", {}, "0"),
        el("SyncToExternalSearchIndex", {}, "0"),
        el("IntroducedVersion", {}, ctx.version),
        el("IsCustomizable", {}, "1"),
        el("IsRenameable", {}, "1"),
        el("IsMappable", {}, "1"),
        el("CanModifyAuditSettings", {}, "1"),
        el("CanModifyMobileVisibility", {}, "1"),
        el("CanModifyMobileClientVisibility", {}, "1"),
        el("CanModifyMobileClientReadOnly", {}, "1"),
        el("CanModifyMobileClientOffline", {}, "1"),
        el("CanModifyConnectionSettings", {}, "1"),
        el("CanModifyDuplicateDetectionSettings", {}, "1"),
        el("CanModifyMailMergeSettings", {}, "1"),
        el("CanModifyQueueSettings", {}, "1"),
        el("CanCreateAttributes", {}, "1"),
        el("CanCreateForms", {}, "1"),
        el("CanCreateCharts", {}, "1"),
        el("CanCreateViews", {}, "1"),
        el("CanModifyAdditionalSettings", {}, "1"),
        el("CanEnableSyncToExternalSearchIndex", {}, "1"),
        el("EnforceStateTransitions", {}, "0"),
        el("CanChangeHierarchicalRelationship", {}, "1"),
        el("EntityHelpUrlEnabled", {}, "0"),
        el("ChangeTrackingEnabled", {}, "1"),
        el("CanChangeTrackingBeEnabled", {}, "1"),
        el("IsEnabledForExternalChannels", {}, "0"),
      ]
    : [];
  return el(
    "Entity",
    {},
    el("Name", { LocalizedName: table.displayName, OriginalName: table.displayName }, table.schemaName),
    el(
      "EntityInfo",
      {},
      el(
        "entity",
        { Name: table.schemaName, unmodified: table.isCustomEntity ? undefined : "1" },
        ...details,
        el("attributes", {}, columns.map((column) => attributeElement(ctx, table, column))),
        entityKeys(ctx, { ...table, keys }),
      ),
    ),
  );
};
