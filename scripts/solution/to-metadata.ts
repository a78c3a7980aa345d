// Model → the plain-data schema the Dataverse emulator enforces (sandbox/src/dataverse/generated/metadata.json).
// Shapes follow EntityMetadata / AttributeMetadata:
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/entitymetadata
import type { Column, Model, Option, Table } from "../../customizations/src/schema";
import type {
  AttributeMetadata,
  DataverseMetadata,
  OneToManyMetadata,
  OptionMetadata,
  TableMetadata,
} from "../../customizations/src/metadata";
import { generatedMarker } from "./marker";

const toOption = (option: Option): OptionMetadata =>
  option.state === undefined
    ? { value: option.value, label: option.label }
    : { value: option.value, label: option.label, state: option.state };

/** Options of a choice, state or status column (global choices resolved). */
export const optionsOf = (model: Model, column: Column): Option[] | undefined => {
  if (column.type === "State" || column.type === "Status") return column.options;
  if (column.type !== "Picklist") return undefined;
  if (column.options !== undefined) return column.options;
  return model.choices.find((choice) => choice.name === column.globalChoice)?.options;
};

const typeDetails = (model: Model, column: Column): Partial<AttributeMetadata> => {
  switch (column.type) {
    case "String":
    case "Memo":
      return { maxLength: column.maxLength };
    case "Integer":
      return { minValue: column.minValue, maxValue: column.maxValue };
    case "Decimal":
    case "Double":
    case "Money":
      return { minValue: column.minValue, maxValue: column.maxValue, precision: column.precision };
    case "DateTime":
      return { dateTimeBehavior: column.behavior };
    case "Picklist":
    case "State":
    case "Status":
      return { options: (optionsOf(model, column) ?? []).map(toOption) };
    case "Lookup":
    case "Customer":
    case "Owner":
      return { targets: column.targets.map((t) => ({ table: t.table, navigationProperty: t.navigationProperty })) };
    case "EntityName":
      return { maxLength: column.maxLength };
    default:
      return {};
  }
};

export const toAttributeMetadata = (model: Model, column: Column): AttributeMetadata => ({
  logicalName: column.logicalName,
  schemaName: column.schemaName,
  displayName: column.displayName,
  type: column.type,
  requiredLevel: column.requiredLevel,
  isValidForCreate: column.validForCreate,
  isValidForUpdate: column.validForUpdate,
  ...typeDetails(model, column),
});

export const toTableMetadata = (model: Model, table: Table): TableMetadata => ({
  logicalName: table.logicalName,
  schemaName: table.schemaName,
  entitySetName: table.entitySetName,
  displayName: table.displayName,
  primaryIdAttribute: table.primaryIdAttribute,
  primaryNameAttribute: table.primaryNameAttribute,
  isCustomEntity: table.isCustomEntity,
  ownershipType: table.ownershipType,
  attributes: table.columns.map((column) => toAttributeMetadata(model, column)),
  alternateKeys: table.keys.map((key) => ({
    schemaName: key.schemaName,
    logicalName: key.schemaName.toLowerCase(),
    keyAttributes: key.columns,
  })),
});

/** Every lookup target is one one-to-many relationship; the collection navigation is its schema name. */
export const toOneToMany = (model: Model): OneToManyMetadata[] =>
  model.tables.flatMap((table) =>
    table.columns.flatMap((column) =>
      column.type === "Lookup" || column.type === "Customer" || column.type === "Owner"
        ? column.targets.map((target) => ({
            schemaName: target.relationship,
            referencedEntity: target.table,
            referencedAttribute: model.tables.find((t) => t.logicalName === target.table)?.primaryIdAttribute ?? `${target.table}id`,
            referencingEntity: table.logicalName,
            referencingAttribute: column.logicalName,
            referencedEntityNavigationPropertyName: target.relationship,
            referencingEntityNavigationPropertyName: target.navigationProperty,
          }))
        : [],
    ),
  );

export const toMetadata = (model: Model, version: string): DataverseMetadata => ({
  $generated: generatedMarker,
  version,
  tables: model.tables.map((table) => toTableMetadata(model, table)),
  oneToMany: toOneToMany(model),
  manyToMany: model.manyToMany.map((m) => ({
    schemaName: m.schemaName,
    entity1LogicalName: m.entity1,
    entity2LogicalName: m.entity2,
    intersectEntityName: m.intersectEntity,
    entity1NavigationPropertyName: m.entity1NavigationProperty,
    entity2NavigationPropertyName: m.entity2NavigationProperty,
  })),
});
