// The zod schemas of the schema-as-code model: tables, columns, choices, keys, relationships, and the UI components
// (forms, views, charts, app, site map, roles, web resources, ribbon). Everything in customizations/ is parsed with
// these, so a typo in a declaration fails at load time with a path, not at import time in Dataverse.
// Column and table terms follow Dataverse's own metadata:
// https://learn.microsoft.com/power-apps/developer/data-platform/entity-attribute-metadata
import { z } from "zod";

export const logicalNameSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, "logical names are lower case");
export const schemaNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/);

export const requiredLevelSchema = z.enum(["None", "ApplicationRequired", "SystemRequired"]);

export const optionSchema = z.object({
  value: z.number().int(),
  label: z.string().min(1),
  /** Name of the generated code constant; defaults to the label in PascalCase. */
  key: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9]*$/)
    .optional(),
  /** Status options: the statecode they belong to. */
  state: z.number().int().optional(),
});
export type Option = z.infer<typeof optionSchema>;

/** A global choice (option set) the solution adds. */
export const choiceSchema = z.object({
  name: logicalNameSchema,
  displayName: z.string().min(1),
  description: z.string(),
  options: z.array(optionSchema).min(1),
});
export type Choice = z.infer<typeof choiceSchema>;

export const lookupTargetSchema = z.object({
  table: logicalNameSchema,
  /** Single-valued navigation property on the referencing table (`<nav>@odata.bind`). */
  navigationProperty: z.string().min(1),
  /** One-to-many relationship schema name; also the collection-valued navigation property on the target. */
  relationship: z.string().min(1),
});
export type LookupTarget = z.infer<typeof lookupTargetSchema>;

const columnBase = {
  logicalName: logicalNameSchema,
  schemaName: schemaNameSchema,
  displayName: z.string().min(1),
  description: z.string().default(""),
  requiredLevel: requiredLevelSchema.default("None"),
  /** False for columns Dataverse sets or calculates itself: writing them is a 400 from the Web API. */
  validForCreate: z.boolean().default(true),
  validForUpdate: z.boolean().default(true),
};

export const columnSchema = z.discriminatedUnion("type", [
  z.object({
    ...columnBase,
    type: z.literal("String"),
    maxLength: z.number().int().positive(),
    format: z.enum(["Text", "Email", "Url", "Phone", "TextArea"]).default("Text"),
  }),
  z.object({ ...columnBase, type: z.literal("Memo"), maxLength: z.number().int().positive() }),
  z.object({
    ...columnBase,
    type: z.literal("Integer"),
    minValue: z.number().int().default(-2147483648),
    maxValue: z.number().int().default(2147483647),
  }),
  z.object({ ...columnBase, type: z.literal("BigInt") }),
  z.object({
    ...columnBase,
    type: z.literal("Decimal"),
    precision: z.number().int().min(0).max(10),
    minValue: z.number().default(-100000000000),
    maxValue: z.number().default(100000000000),
  }),
  z.object({
    ...columnBase,
    type: z.literal("Double"),
    precision: z.number().int().min(0).max(5),
    minValue: z.number().default(-100000000000),
    maxValue: z.number().default(100000000000),
  }),
  z.object({
    ...columnBase,
    type: z.literal("Money"),
    precision: z.number().int().min(0).max(4).default(2),
    minValue: z.number().default(-922337203685477),
    maxValue: z.number().default(922337203685477),
  }),
  z.object({
    ...columnBase,
    type: z.literal("Boolean"),
    trueLabel: z.string().default("Yes"),
    falseLabel: z.string().default("No"),
    defaultValue: z.boolean().default(false),
  }),
  z.object({
    ...columnBase,
    type: z.literal("DateTime"),
    behavior: z.enum(["UserLocal", "DateOnly", "TimeZoneIndependent"]).default("UserLocal"),
    format: z.enum(["DateOnly", "DateAndTime"]).default("DateAndTime"),
  }),
  z.object({
    ...columnBase,
    type: z.literal("Picklist"),
    /** Name of a global choice the solution adds … */
    globalChoice: logicalNameSchema.optional(),
    /** … or the column's own options (standard columns, whose option sets are local). */
    options: z.array(optionSchema).optional(),
  }),
  z.object({ ...columnBase, type: z.literal("State"), options: z.array(optionSchema).min(1) }),
  z.object({ ...columnBase, type: z.literal("Status"), options: z.array(optionSchema).min(1) }),
  z.object({ ...columnBase, type: z.literal("Lookup"), targets: z.array(lookupTargetSchema).min(1) }),
  z.object({ ...columnBase, type: z.literal("Customer"), targets: z.array(lookupTargetSchema).min(2) }),
  z.object({ ...columnBase, type: z.literal("Owner"), targets: z.array(lookupTargetSchema).min(1) }),
  z.object({ ...columnBase, type: z.literal("Uniqueidentifier") }),
  z.object({ ...columnBase, type: z.literal("EntityName"), maxLength: z.number().int().positive().default(64) }),
]);
export type ColumnInput = z.input<typeof columnSchema>;
export type Column = z.output<typeof columnSchema>;
export type ColumnType = Column["type"];

export const alternateKeySchema = z.object({
  schemaName: schemaNameSchema,
  displayName: z.string().min(1),
  columns: z.array(logicalNameSchema).min(1),
});
export type AlternateKey = z.infer<typeof alternateKeySchema>;

export const tableSchema = z.object({
  logicalName: logicalNameSchema,
  schemaName: schemaNameSchema,
  displayName: z.string().min(1),
  pluralName: z.string().min(1),
  description: z.string().default(""),
  entitySetName: z.string().min(1),
  primaryIdAttribute: logicalNameSchema,
  primaryNameAttribute: logicalNameSchema,
  /** True when the solution creates the table; false for Dataverse's own tables (the solution may add columns). */
  isCustomEntity: z.boolean(),
  ownershipType: z.enum(["UserOwned", "OrganizationOwned"]),
  /** Standard tables that the solution touches (adds columns, forms, views, ribbon) are part of the solution. */
  inSolution: z.boolean(),
  columns: z.array(columnSchema).min(1),
  keys: z.array(alternateKeySchema).default([]),
});
export type TableInput = z.input<typeof tableSchema>;
export type Table = z.output<typeof tableSchema>;

export const manyToManySchema = z.object({
  schemaName: schemaNameSchema,
  entity1: logicalNameSchema,
  entity2: logicalNameSchema,
  intersectEntity: logicalNameSchema,
  entity1NavigationProperty: z.string().min(1),
  entity2NavigationProperty: z.string().min(1),
  /** Display label of the associated grid on each side. */
  entity1Label: z.string().min(1),
  entity2Label: z.string().min(1),
});
export type ManyToMany = z.infer<typeof manyToManySchema>;

// ---- UI components -------------------------------------------------------------------------------------------

/** An event handler on a form: `library` is a web resource name, `functionName` a global function it defines. */
export const formHandlerSchema = z.object({
  event: z.enum(["onload", "onsave", "onchange"]),
  /** onchange handlers: the column whose change fires it. */
  column: logicalNameSchema.optional(),
  library: z.string().min(1),
  functionName: z.string().min(1),
});
export type FormHandler = z.infer<typeof formHandlerSchema>;

export const formCellSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("field"), column: logicalNameSchema, readOnly: z.boolean().default(false) }),
  z.object({
    kind: z.literal("subgrid"),
    name: z.string().min(1),
    label: z.string().min(1),
    /** The related table and the relationship that ties its rows to this record. */
    table: logicalNameSchema,
    relationship: z.string().min(1),
    /** A view (by name) of the related table. */
    view: z.string().min(1),
  }),
]);
export type FormCell = z.infer<typeof formCellSchema>;

export const formSectionSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  cells: z.array(formCellSchema).min(1),
});

export const formTabSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  sections: z.array(formSectionSchema).min(1),
});

export const formSchema = z.object({
  table: logicalNameSchema,
  /** Unique per table; the form's id is derived from table + name. */
  name: z.string().min(1),
  type: z.enum(["main", "quick"]),
  description: z.string().default(""),
  tabs: z.array(formTabSchema).min(1),
  libraries: z.array(z.string().min(1)).default([]),
  handlers: z.array(formHandlerSchema).default([]),
});
export type FormInput = z.input<typeof formSchema>;
export type Form = z.output<typeof formSchema>;

export const viewConditionSchema = z.object({
  column: logicalNameSchema,
  operator: z.enum(["eq", "ne", "null", "not-null", "last-x-days", "in"]),
  values: z.array(z.union([z.string(), z.number()])).default([]),
});
export type ViewCondition = z.infer<typeof viewConditionSchema>;

export const viewSchema = z.object({
  table: logicalNameSchema,
  name: z.string().min(1),
  description: z.string().default(""),
  /** SavedQuery.QueryType: 0 public, 1 advanced find, 2 associated, 4 quick find, 64 lookup. */
  queryType: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(4), z.literal(64)]).default(0),
  isDefault: z.boolean().default(false),
  columns: z.array(z.object({ column: logicalNameSchema, width: z.number().int().positive().default(150) })).min(1),
  conditions: z.array(viewConditionSchema).default([]),
  orderBy: z.object({ column: logicalNameSchema, descending: z.boolean().default(false) }),
});
export type ViewInput = z.input<typeof viewSchema>;
export type View = z.output<typeof viewSchema>;

export const chartSchema = z.object({
  table: logicalNameSchema,
  name: z.string().min(1),
  description: z.string().default(""),
  /** Column the chart groups by (the category axis). */
  groupBy: logicalNameSchema,
  /** Column counted per group. */
  countColumn: logicalNameSchema,
  chartType: z.enum(["Column", "Bar", "Pie"]),
});
export type Chart = z.output<typeof chartSchema>;
export type ChartInput = z.input<typeof chartSchema>;

export const webResourceSchema = z.object({
  /** `mag_/scripts/invoice-form.js`: the name the solution registers and forms reference. */
  name: z.string().regex(/^mag_\/[a-z0-9_\-/.]+$/),
  displayName: z.string().min(1),
  description: z.string().default(""),
  /** WebResourceType: 3 = script (JScript), 11 = SVG. */
  type: z.enum(["Script", "Svg"]),
});
export type WebResource = z.output<typeof webResourceSchema>;
export type WebResourceInput = z.input<typeof webResourceSchema>;

export const privilegeDepthSchema = z.enum(["Basic", "Local", "Deep", "Global"]);
export const roleSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(""),
  /** Per table: which privileges at which depth. */
  tables: z.array(
    z.object({
      table: logicalNameSchema,
      /**
       * A platform table the model does not declare (e.g. `solution`): the schema name its privileges carry
       * (`prvReadSolution`). Tables the model declares take their own schema name.
       */
      schemaName: schemaNameSchema.optional(),
      privileges: z.array(z.enum(["Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"])),
      depth: privilegeDepthSchema,
    }),
  ),
});
export type Role = z.output<typeof roleSchema>;
export type RoleInput = z.input<typeof roleSchema>;

export const siteMapAreaSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  groups: z.array(
    z.object({
      id: z.string().min(1),
      title: z.string().min(1),
      subAreas: z.array(z.object({ id: z.string().min(1), title: z.string().min(1), table: logicalNameSchema })).min(1),
    }),
  ),
});

export const appSchema = z.object({
  uniqueName: schemaNameSchema,
  displayName: z.string().min(1),
  description: z.string().default(""),
  /** Tables, forms, views and charts the app shows (by table; every form/view/chart of those tables is included). */
  tables: z.array(logicalNameSchema).min(1),
  roles: z.array(z.string().min(1)).min(1),
  siteMap: z.array(siteMapAreaSchema).min(1),
  icon: z.string().optional(),
});
export type App = z.output<typeof appSchema>;
export type AppInput = z.input<typeof appSchema>;

export const ribbonCommandSchema = z.object({
  table: logicalNameSchema,
  /** Unique id suffix; the full ids are derived (`mag.<table>.<id>.Command`, …). */
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  label: z.string().min(1),
  /** Where the button shows: on the record's form, or on the grid of rows. */
  location: z.enum(["Form", "HomepageGrid"]),
  library: z.string().min(1),
  functionName: z.string().min(1),
  /** CRM parameters passed to the function, in order. */
  parameters: z.array(z.enum(["PrimaryControl", "SelectedControlSelectedItemIds", "SelectedControl"])),
  /** An optional custom enable rule (a function of the same library returning a boolean). */
  enableFunction: z.string().optional(),
  /** Grid commands: enabled only when at least one row is selected. */
  requiresSelection: z.boolean().default(false),
  icon16: z.string().optional(),
  icon32: z.string().optional(),
});
export type RibbonCommand = z.output<typeof ribbonCommandSchema>;
export type RibbonCommandInput = z.input<typeof ribbonCommandSchema>;

export const publisherSchema = z.object({
  uniqueName: logicalNameSchema,
  displayName: z.string().min(1),
  description: z.string(),
  prefix: z.string().regex(/^[a-z][a-z0-9]{1,7}$/),
  optionValuePrefix: z.number().int().min(10000).max(99999),
});
export type Publisher = z.infer<typeof publisherSchema>;

export const modelSchema = z.object({
  solution: z.object({
    uniqueName: schemaNameSchema,
    displayName: z.string().min(1),
    description: z.string(),
  }),
  publisher: publisherSchema,
  choices: z.array(choiceSchema),
  tables: z.array(tableSchema),
  manyToMany: z.array(manyToManySchema),
  forms: z.array(formSchema),
  views: z.array(viewSchema),
  charts: z.array(chartSchema),
  webResources: z.array(webResourceSchema),
  roles: z.array(roleSchema),
  apps: z.array(appSchema),
  ribbon: z.array(ribbonCommandSchema),
});
export type ModelInput = z.input<typeof modelSchema>;
export type Model = z.output<typeof modelSchema>;
