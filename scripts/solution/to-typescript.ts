// Model → the TypeScript constants and row types used by azure-functions/ and webresources/ (same file in both).
// Rows are shaped as the Web API returns them: lookups as `_<column>_value` GUID strings, choices as numbers,
// money and decimals as numbers, dates as ISO strings:
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#lookup-property-data
import type { Column, Model, Option, Table } from "../../customizations/src/schema";
import { optionKey } from "../../customizations/src/names";
import { tsMarker } from "./marker";
import { optionsOf } from "./to-metadata";


/** `Invoice` → `InvoiceRow`, `mag_XeroConnector` → `XeroConnectorRow`. */
export const rowTypeName = (table: Table): string => `${table.schemaName.replace(/^mag_/, "")}Row`;

const quote = (text: string): string => JSON.stringify(text);

/** Constant name of a column's choice: the global choice's name, or `<table>_<column>` for local options. */
export const choiceConstantName = (table: Table, column: Column): string | undefined => {
  if (column.type === "Picklist") return column.globalChoice ?? `${table.logicalName}_${column.logicalName}`;
  if (column.type === "State" || column.type === "Status") return `${table.logicalName}_${column.logicalName}`;
  return undefined;
};

const isLookup = (column: Column): column is Extract<Column, { targets: unknown }> =>
  column.type === "Lookup" || column.type === "Customer" || column.type === "Owner";

/** The property name the Web API uses for a column in a row. */
export const rowPropertyName = (column: Column): string =>
  isLookup(column) ? `_${column.logicalName}_value` : column.logicalName;

const rowValueType = (table: Table, column: Column): string => {
  switch (column.type) {
    case "String":
    case "Memo":
    case "DateTime":
    case "Uniqueidentifier":
    case "EntityName":
    case "Lookup":
    case "Customer":
    case "Owner":
      return "string";
    case "BigInt":
      // Edm.Int64 arrives as a JSON number; versionnumber fits in a double for any realistic row count.
      return "number";
    case "Integer":
    case "Decimal":
    case "Double":
    case "Money":
      return "number";
    case "Boolean":
      return "boolean";
    case "Picklist":
    case "State":
    case "Status": {
      const name = choiceConstantName(table, column);
      return name === undefined ? "number" : `(typeof ${name})[keyof typeof ${name}]`;
    }
  }
};

const renderChoice = (name: string, options: Option[]): string => {
  const entries = options.map((option) => `  ${optionKey(option)}: ${option.value},`).join("\n");
  return `export const ${name} = {\n${entries}\n} as const;\n`;
};

const renderChoices = (model: Model): string => {
  const global = model.choices.map((choice) => renderChoice(choice.name, choice.options));
  const local = model.tables.flatMap((table) =>
    table.columns.flatMap((column) => {
      const name = choiceConstantName(table, column);
      if (name === undefined || (column.type === "Picklist" && column.globalChoice !== undefined)) return [];
      return [renderChoice(name, optionsOf(model, column) ?? [])];
    }),
  );
  return [...global, ...local].join("\n");
};

const renderTable = (model: Model, table: Table): string => {
  const columns = table.columns.map((c) => `    ${c.logicalName}: ${quote(c.logicalName)},`).join("\n");
  const navigation = table.columns
    .filter(isLookup)
    .map((c) => {
      const targets = c.targets.map((t) => `${t.table}: ${quote(t.navigationProperty)}`).join(", ");
      return `    ${c.logicalName}: { ${targets} },`;
    })
    .join("\n");
  const collections = model.tables
    .flatMap((other) =>
      other.columns.filter(isLookup).flatMap((c) =>
        c.targets
          .filter((t) => t.table === table.logicalName)
          .map((t) => `    ${t.relationship}: { table: ${quote(other.logicalName)}, column: ${quote(c.logicalName)} },`),
      ),
    )
    .join("\n");
  const keys = table.keys.map((k) => `    ${k.schemaName}: [${k.columns.map(quote).join(", ")}],`).join("\n");
  const row = table.columns
    .map((c) => {
      const type = rowValueType(table, c);
      return c.logicalName === table.primaryIdAttribute
        ? `  ${rowPropertyName(c)}: ${type};`
        : `  ${rowPropertyName(c)}: ${type} | null;`;
    })
    .join("\n");
  return [
    `/** ${table.displayName} (${table.isCustomEntity ? "added by the solution" : "standard table"}). */`,
    `export const ${table.logicalName} = {`,
    `  logicalName: ${quote(table.logicalName)},`,
    `  schemaName: ${quote(table.schemaName)},`,
    `  entitySetName: ${quote(table.entitySetName)},`,
    `  primaryIdAttribute: ${quote(table.primaryIdAttribute)},`,
    `  primaryNameAttribute: ${quote(table.primaryNameAttribute)},`,
    `  columns: {\n${columns}\n  },`,
    "  /** lookup column → target table → single-valued navigation property (for `<nav>@odata.bind`) */",
    `  navigation: {${navigation === "" ? "" : `\n${navigation}\n  `}},`,
    "  /** one-to-many relationship (= collection-valued navigation property, for `$expand`) → child table and lookup */",
    `  collections: {${collections === "" ? "" : `\n${collections}\n  `}},`,
    "  /** alternate keys → their columns */",
    `  keys: {${keys === "" ? "" : `\n${keys}\n  `}},`,
    "} as const;",
    "",
    `/** A ${table.logicalName} row as the Web API returns it. */`,
    `export interface ${rowTypeName(table)} {\n${row}\n}`,
    "",
  ].join("\n");
};

const renderManyToMany = (model: Model): string => {
  const entries = model.manyToMany
    .map((m) =>
      [
        `  ${m.schemaName}: {`,
        `    schemaName: ${quote(m.schemaName)},`,
        `    entity1: ${quote(m.entity1)},`,
        `    entity2: ${quote(m.entity2)},`,
        `    intersectEntity: ${quote(m.intersectEntity)},`,
        `    navigationFromEntity1: ${quote(m.entity1NavigationProperty)},`,
        `    navigationFromEntity2: ${quote(m.entity2NavigationProperty)},`,
        "  },",
      ].join("\n"),
    )
    .join("\n");
  return `/** Many-to-many relationships: associate with POST \`/<set>(<id>)/<navigation>/$ref\`. */\nexport const manyToMany = {\n${entries}\n} as const;\n`;
};

export const toTypeScript = (model: Model, version: string): string =>
  [
    tsMarker,
    "// Dataverse logical names, entity sets, navigation properties, choices and row types, from customizations/.",
    "",
    "export const solution = {",
    `  uniqueName: ${quote(model.solution.uniqueName)},`,
    `  version: ${quote(version)},`,
    `  publisherPrefix: ${quote(model.publisher.prefix)},`,
    `  optionValuePrefix: ${model.publisher.optionValuePrefix},`,
    "} as const;",
    "",
    renderChoices(model),
    ...model.tables.map((table) => renderTable(model, table)),
    `/** Every table by logical name. */\nexport const tables = {\n${model.tables.map((t) => `  ${t.logicalName},`).join("\n")}\n} as const;\n`,
    renderManyToMany(model),
  ].join("\n");
