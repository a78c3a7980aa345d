// An index over the generated metadata (customizations/src/metadata.ts) that answers the questions the Web API asks
// on every request: which table an entity set names, which property a name is, where a navigation property leads.
import type {
  AttributeMetadata,
  DataverseMetadata,
  ManyToManyMetadata,
  OptionMetadata,
  TableMetadata,
} from "../../../customizations/src/metadata";
import { propertyNotFound, resourceNotFound } from "./errors";

export interface LookupNavigation {
  attribute: AttributeMetadata;
  /** Tables the navigation property can point to (ownerid: systemuser and team share one). */
  targets: string[];
}

export type CollectionNavigation =
  | { kind: "oneToMany"; childTable: string; referencingAttribute: string }
  | { kind: "manyToMany"; relationship: ManyToManyMetadata; otherTable: string; fromEntity1: boolean };

export interface TableIndex {
  meta: TableMetadata;
  logicalName: string;
  entitySetName: string;
  primaryId: string;
  primaryName: string;
  attributes: Map<string, AttributeMetadata>;
  /** Single-valued navigation property → lookup column and target table. */
  lookupNavigations: Map<string, LookupNavigation>;
  collectionNavigations: Map<string, CollectionNavigation>;
}

export interface SchemaIndex {
  metadata: DataverseMetadata;
  tables: Map<string, TableIndex>;
  byEntitySet: Map<string, TableIndex>;
  table(logicalName: string): TableIndex;
  tableBySet(entitySetName: string): TableIndex;
}

const isLookupType = (attribute: AttributeMetadata): boolean =>
  attribute.type === "Lookup" || attribute.type === "Customer" || attribute.type === "Owner";

export const isLookup = isLookupType;

/** The Web API property name of a column: lookups appear as `_x_value`. */
export const toPropertyName = (attribute: AttributeMetadata): string =>
  isLookupType(attribute) ? `_${attribute.logicalName}_value` : attribute.logicalName;

/** A platform column: read-only unless `extra` says otherwise. */
export const systemAttribute = (
  logicalName: string,
  schemaName: string,
  type: AttributeMetadata["type"],
  extra: Partial<AttributeMetadata> = {},
): AttributeMetadata => ({
  logicalName,
  schemaName,
  displayName: schemaName,
  type,
  requiredLevel: "None",
  isValidForCreate: false,
  isValidForUpdate: false,
  ...extra,
});

// Invoice states and reasons as Dataverse ships them, used only when the metadata leaves them out.
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/invoice#statecode-choicesstates
const invoiceStates: OptionMetadata[] = [
  { value: 0, label: "Active" },
  { value: 1, label: "Closed" },
  { value: 2, label: "Paid" },
  { value: 3, label: "Canceled" },
];
const invoiceStatuses: OptionMetadata[] = [
  { value: 1, label: "New", state: 0 },
  { value: 2, label: "Partially Shipped", state: 0 },
  { value: 4, label: "Billed", state: 0 },
  { value: 5, label: "Booked (applies to services)", state: 0 },
  { value: 6, label: "Installed (applies to services)", state: 0 },
  { value: 3, label: "Canceled (deprecated)", state: 1 },
  { value: 7, label: "Paid (deprecated)", state: 1 },
  { value: 100001, label: "Complete", state: 2 },
  { value: 100002, label: "Partial", state: 2 },
  { value: 100003, label: "Canceled", state: 3 },
];

/**
 * Every Dataverse table carries the system columns the emulator maintains (createdon, modifiedon, versionnumber,
 * statecode, statuscode, createdby, modifiedby); the generated metadata may omit them, so they are added here.
 */
export function withSystemColumns(table: TableMetadata, hasSystemUser: boolean): TableMetadata {
  const present = new Set(table.attributes.map((attribute) => attribute.logicalName));
  const added: AttributeMetadata[] = [];
  const add = (attribute: AttributeMetadata): void => {
    if (!present.has(attribute.logicalName)) added.push(attribute);
  };
  add(
    systemAttribute(table.primaryIdAttribute, table.primaryIdAttribute, "Uniqueidentifier", { isValidForCreate: true }),
  );
  add(systemAttribute("createdon", "CreatedOn", "DateTime"));
  add(systemAttribute("modifiedon", "ModifiedOn", "DateTime"));
  add(systemAttribute("versionnumber", "VersionNumber", "BigInt"));
  const isInvoice = table.logicalName === "invoice";
  add(
    systemAttribute("statecode", "StateCode", "State", {
      isValidForUpdate: true,
      options: isInvoice
        ? invoiceStates
        : [
            { value: 0, label: "Active" },
            { value: 1, label: "Inactive" },
          ],
    }),
  );
  add(
    systemAttribute("statuscode", "StatusCode", "Status", {
      isValidForCreate: true,
      isValidForUpdate: true,
      options: isInvoice
        ? invoiceStatuses
        : [
            { value: 1, label: "Active", state: 0 },
            { value: 2, label: "Inactive", state: 1 },
          ],
    }),
  );
  if (hasSystemUser) {
    for (const [logicalName, schemaName] of [
      ["createdby", "CreatedBy"],
      ["modifiedby", "ModifiedBy"],
    ] as const) {
      add(
        systemAttribute(logicalName, schemaName, "Lookup", {
          targets: [{ table: "systemuser", navigationProperty: schemaName.toLowerCase() }],
        }),
      );
    }
  }
  return added.length === 0 ? table : { ...table, attributes: [...table.attributes, ...added] };
}

export function buildSchemaIndex(metadata: DataverseMetadata): SchemaIndex {
  const hasSystemUser = metadata.tables.some((table) => table.logicalName === "systemuser");
  const tables = new Map<string, TableIndex>();
  const byEntitySet = new Map<string, TableIndex>();
  for (const raw of metadata.tables) {
    const meta = withSystemColumns(raw, hasSystemUser);
    const attributes = new Map(meta.attributes.map((attribute) => [attribute.logicalName, attribute]));
    const lookupNavigations = new Map<string, LookupNavigation>();
    for (const attribute of meta.attributes) {
      for (const target of attribute.targets ?? []) {
        const existing = lookupNavigations.get(target.navigationProperty);
        if (existing === undefined)
          lookupNavigations.set(target.navigationProperty, { attribute, targets: [target.table] });
        else existing.targets.push(target.table);
      }
    }
    const index: TableIndex = {
      meta,
      logicalName: meta.logicalName,
      entitySetName: meta.entitySetName,
      primaryId: meta.primaryIdAttribute,
      primaryName: meta.primaryNameAttribute,
      attributes,
      lookupNavigations,
      collectionNavigations: new Map(),
    };
    tables.set(meta.logicalName, index);
    byEntitySet.set(meta.entitySetName, index);
  }
  for (const relationship of metadata.oneToMany) {
    const parent = tables.get(relationship.referencedEntity);
    const child = tables.get(relationship.referencingEntity);
    if (parent === undefined || child === undefined) continue;
    parent.collectionNavigations.set(relationship.referencedEntityNavigationPropertyName, {
      kind: "oneToMany",
      childTable: child.logicalName,
      referencingAttribute: relationship.referencingAttribute,
    });
    const attribute = child.attributes.get(relationship.referencingAttribute);
    if (attribute !== undefined && !child.lookupNavigations.has(relationship.referencingEntityNavigationPropertyName)) {
      child.lookupNavigations.set(relationship.referencingEntityNavigationPropertyName, {
        attribute,
        targets: [parent.logicalName],
      });
    }
  }
  for (const relationship of metadata.manyToMany) {
    const one = tables.get(relationship.entity1LogicalName);
    const two = tables.get(relationship.entity2LogicalName);
    if (one === undefined || two === undefined) continue;
    one.collectionNavigations.set(relationship.entity1NavigationPropertyName, {
      kind: "manyToMany",
      relationship,
      otherTable: two.logicalName,
      fromEntity1: true,
    });
    two.collectionNavigations.set(relationship.entity2NavigationPropertyName, {
      kind: "manyToMany",
      relationship,
      otherTable: one.logicalName,
      fromEntity1: false,
    });
  }
  return {
    metadata,
    tables,
    byEntitySet,
    table(logicalName) {
      const found = tables.get(logicalName);
      if (found === undefined) throw resourceNotFound(logicalName);
      return found;
    },
    tableBySet(entitySetName) {
      const found = byEntitySet.get(entitySetName);
      if (found === undefined) throw resourceNotFound(entitySetName);
      return found;
    },
  };
}

/** Resolves a Web API property name (`name`, `_customerid_value`) to its column, or throws Dataverse's 400. */
export function resolveProperty(table: TableIndex, property: string): AttributeMetadata {
  const lookupMatch = /^_(.+)_value$/.exec(property);
  if (lookupMatch?.[1] !== undefined) {
    const attribute = table.attributes.get(lookupMatch[1]);
    if (attribute !== undefined && isLookupType(attribute)) return attribute;
    throw propertyNotFound(property, table.logicalName);
  }
  const attribute = table.attributes.get(property);
  if (attribute === undefined || isLookupType(attribute)) throw propertyNotFound(property, table.logicalName);
  return attribute;
}

/** The label of a state option, as Dataverse names state codes in errors ("InvoiceState.Paid"). */
export function stateName(table: TableIndex, state: number): string {
  const label =
    table.attributes.get("statecode")?.options?.find((option) => option.value === state)?.label ?? String(state);
  return `${table.meta.schemaName}State.${label.replace(/\s+/g, "")}`;
}
