// The plain-data metadata shape that the generator derives from customizations/ and that the Dataverse emulator
// enforces (sandbox/src/dataverse/generated/metadata.json). Names follow Dataverse's own EntityMetadata /
// AttributeMetadata: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/entitymetadata

export type AttributeType =
  | "String"
  | "Memo"
  | "Integer"
  | "BigInt"
  | "Decimal"
  | "Double"
  | "Money"
  | "Boolean"
  | "DateTime"
  | "Picklist"
  | "State"
  | "Status"
  | "Lookup"
  | "Customer"
  | "Owner"
  | "Uniqueidentifier"
  | "EntityName";

export type RequiredLevel = "None" | "ApplicationRequired" | "SystemRequired";

export interface OptionMetadata {
  value: number;
  label: string;
  /** Status options: the statecode they belong to. */
  state?: number;
}

export interface LookupTargetMetadata {
  /** Logical name of the target table. */
  table: string;
  /** Single-valued navigation property on the referencing table, used as `<nav>@odata.bind`. */
  navigationProperty: string;
}

export interface AttributeMetadata {
  logicalName: string;
  schemaName: string;
  displayName: string;
  type: AttributeType;
  requiredLevel: RequiredLevel;
  /** False for columns Dataverse sets or calculates itself (createdon, totalamount, …): writing them is a 400. */
  isValidForCreate: boolean;
  isValidForUpdate: boolean;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
  precision?: number;
  dateTimeBehavior?: "UserLocal" | "DateOnly" | "TimeZoneIndependent";
  options?: OptionMetadata[];
  /** Lookup, Customer and Owner columns. */
  targets?: LookupTargetMetadata[];
}

export interface AlternateKeyMetadata {
  schemaName: string;
  logicalName: string;
  keyAttributes: string[];
}

export interface TableMetadata {
  logicalName: string;
  schemaName: string;
  entitySetName: string;
  displayName: string;
  primaryIdAttribute: string;
  primaryNameAttribute: string;
  /** True for tables the solution adds; false for standard tables the service reads and writes. */
  isCustomEntity: boolean;
  ownershipType: "UserOwned" | "OrganizationOwned";
  attributes: AttributeMetadata[];
  alternateKeys: AlternateKeyMetadata[];
}

export interface ManyToManyMetadata {
  schemaName: string;
  entity1LogicalName: string;
  entity2LogicalName: string;
  intersectEntityName: string;
  /** Collection-valued navigation property on entity 1 (used for associate: `…/<nav>/$ref`). */
  entity1NavigationPropertyName: string;
  entity2NavigationPropertyName: string;
}

export interface OneToManyMetadata {
  schemaName: string;
  referencedEntity: string;
  referencedAttribute: string;
  referencingEntity: string;
  referencingAttribute: string;
  /** Collection-valued navigation property on the referenced (parent) table, used by `$expand`. */
  referencedEntityNavigationPropertyName: string;
  /** Single-valued navigation property on the referencing (child) table. */
  referencingEntityNavigationPropertyName: string;
}

export interface DataverseMetadata {
  /** Solution version the metadata was generated from. */
  version: string;
  tables: TableMetadata[];
  oneToMany: OneToManyMetadata[];
  manyToMany: ManyToManyMetadata[];
}
