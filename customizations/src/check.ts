// Cross-reference checks zod cannot express: every name a form, view, chart, command, app or key uses must exist,
// and the names and option values the solution adds must follow the publisher's prefixes (AppSource rules:
// https://learn.microsoft.com/power-apps/developer/data-platform/introduction-solutions#solution-publisher).
// Each problem names both the component and the missing thing, so the failing test says what to fix.
import { optionKey } from "./names";
import type { Model, Table } from "./schema";

const isAdded = (name: string, prefix: string): boolean => name.startsWith(`${prefix}_`);

const checkTables = (model: Model): string[] => {
  const problems: string[] = [];
  const prefix = model.publisher.prefix;
  const seen = new Set<string>();
  for (const table of model.tables) {
    if (seen.has(table.logicalName)) problems.push(`table ${table.logicalName} is declared twice`);
    seen.add(table.logicalName);
    if (table.isCustomEntity && !isAdded(table.logicalName, prefix)) {
      problems.push(`custom table ${table.logicalName} lacks the publisher prefix ${prefix}_`);
    }
    const columns = new Set<string>();
    for (const column of table.columns) {
      if (columns.has(column.logicalName))
        problems.push(`table ${table.logicalName}: column ${column.logicalName} is declared twice`);
      columns.add(column.logicalName);
      if (column.logicalName !== column.schemaName.toLowerCase()) {
        problems.push(
          `table ${table.logicalName}: column ${column.logicalName} does not match its schema name ${column.schemaName}`,
        );
      }
    }
    for (const name of [table.primaryIdAttribute, table.primaryNameAttribute]) {
      if (!columns.has(name)) problems.push(`table ${table.logicalName}: primary column ${name} does not exist`);
    }
    for (const key of table.keys) {
      if (!isAdded(key.schemaName, prefix))
        problems.push(`key ${key.schemaName} lacks the publisher prefix ${prefix}_`);
      for (const column of key.columns) {
        if (!columns.has(column))
          problems.push(`key ${key.schemaName} names column ${column}, which table ${table.logicalName} does not have`);
      }
    }
    problems.push(...checkColumnReferences(model, table));
  }
  return problems;
};

const checkColumnReferences = (model: Model, table: Table): string[] => {
  const problems: string[] = [];
  const tables = new Set(model.tables.map((t) => t.logicalName));
  const choices = new Set(model.choices.map((c) => c.name));
  for (const column of table.columns) {
    if (column.type === "Lookup" || column.type === "Customer" || column.type === "Owner") {
      for (const target of column.targets) {
        if (!tables.has(target.table)) {
          problems.push(
            `lookup ${table.logicalName}.${column.logicalName} targets table ${target.table}, which does not exist`,
          );
        }
      }
    }
    if (column.type === "Picklist") {
      const hasGlobal = column.globalChoice !== undefined;
      const hasLocal = column.options !== undefined;
      if (hasGlobal === hasLocal) {
        problems.push(
          `choice column ${table.logicalName}.${column.logicalName} needs exactly one of globalChoice or options`,
        );
      }
      if (column.globalChoice !== undefined && !choices.has(column.globalChoice)) {
        problems.push(
          `choice column ${table.logicalName}.${column.logicalName} uses choice ${column.globalChoice}, which does not exist`,
        );
      }
      if (isAdded(column.logicalName, model.publisher.prefix) && hasLocal) {
        problems.push(`choice column ${table.logicalName}.${column.logicalName} must use a global choice`);
      }
    }
  }
  return problems;
};

/** Option labels become code constants (`InvoicesToXero`): each must make a distinct identifier. */
const checkOptionKeys = (model: Model): string[] => {
  const optionLists = [
    ...model.choices.map((c) => ({ name: c.name, options: c.options })),
    ...model.tables.flatMap((t) =>
      t.columns.flatMap((c) =>
        (c.type === "Picklist" && c.options !== undefined) || c.type === "State" || c.type === "Status"
          ? [{ name: `${t.logicalName}.${c.logicalName}`, options: c.options ?? [] }]
          : [],
      ),
    ),
  ];
  return optionLists.flatMap(({ name, options }) => {
    const keys = options.map(optionKey);
    return [
      ...keys
        .filter((key) => !/^[A-Z][A-Za-z0-9]*$/.test(key))
        .map((key) => `options of ${name}: "${key}" is not a valid constant name (give the option a key)`),
      ...keys
        .filter((key, i) => keys.indexOf(key) !== i)
        .map((key) => `options of ${name}: constant ${key} is used twice (give the option a key)`),
    ];
  });
};

const checkChoices = (model: Model): string[] => {
  const low = model.publisher.optionValuePrefix * 10000;
  const high = low + 9999;
  return model.choices.flatMap((choice) => [
    ...(isAdded(choice.name, model.publisher.prefix) ? [] : [`choice ${choice.name} lacks the publisher prefix`]),
    ...choice.options
      .filter((option) => option.value < low || option.value > high)
      .map((option) => `choice ${choice.name}: option ${option.label} = ${option.value} is outside ${low}–${high}`),
  ]);
};

/** Looks up a column; the message names the component that uses it. */
const columnProblem = (model: Model, table: string, column: string, user: string): string[] => {
  const found = model.tables.find((t) => t.logicalName === table);
  if (found === undefined) return [`${user} is on table ${table}, which does not exist`];
  return found.columns.some((c) => c.logicalName === column)
    ? []
    : [`${user} names column ${column}, which table ${table} does not have`];
};

const checkForms = (model: Model): string[] => {
  const webResources = new Set(model.webResources.map((w) => w.name));
  const viewNames = new Set(model.views.map((v) => `${v.table}/${v.name}`));
  const relationships = new Set([
    ...model.tables.flatMap((t) =>
      t.columns.flatMap((c) => ("targets" in c ? c.targets.map((target) => target.relationship) : [])),
    ),
    ...model.manyToMany.map((m) => m.schemaName),
  ]);
  return model.forms.flatMap((form) => {
    const user = `form "${form.name}" (${form.table})`;
    const cells = form.tabs.flatMap((tab) => tab.sections.flatMap((section) => section.cells));
    return [
      ...cells.flatMap((cell) =>
        cell.kind === "field"
          ? columnProblem(model, form.table, cell.column, user)
          : [
              ...(relationships.has(cell.relationship)
                ? []
                : [`${user} subgrid ${cell.name} uses relationship ${cell.relationship}, which does not exist`]),
              ...(viewNames.has(`${cell.table}/${cell.view}`)
                ? []
                : [`${user} subgrid ${cell.name} uses view "${cell.view}" of ${cell.table}, which does not exist`]),
            ],
      ),
      ...[...form.libraries, ...form.handlers.map((h) => h.library)]
        .filter((library) => !webResources.has(library))
        .map((library) => `${user} uses web resource ${library}, which is not registered`),
      ...form.handlers.flatMap((h) =>
        h.event === "onchange"
          ? h.column === undefined
            ? [`${user} has an onchange handler ${h.functionName} without a column`]
            : columnProblem(model, form.table, h.column, `${user} onchange handler ${h.functionName}`)
          : [],
      ),
      ...form.handlers
        .filter((h) => !form.libraries.includes(h.library))
        .map((h) => `${user} handler ${h.functionName} uses library ${h.library}, which the form does not load`),
    ];
  });
};

const checkViewsAndCharts = (model: Model): string[] => [
  ...model.views.flatMap((view) => {
    const user = `view "${view.name}" (${view.table})`;
    const names = [...view.columns.map((c) => c.column), ...view.conditions.map((c) => c.column), view.orderBy.column];
    return [...new Set(names)].flatMap((column) => columnProblem(model, view.table, column, user));
  }),
  ...model.charts.flatMap((chart) => {
    const user = `chart "${chart.name}" (${chart.table})`;
    return [chart.groupBy, chart.countColumn].flatMap((column) => columnProblem(model, chart.table, column, user));
  }),
];

/**
 * A role names each table once and each privilege once; `schemaName` is for platform tables the model does not
 * declare (a declared table's privileges carry its own schema name).
 */
const checkRoleGrants =
  (tables: ReadonlySet<string>) =>
  (role: Model["roles"][number]): string[] => {
    const seen = new Set<string>();
    return role.tables.flatMap((grant) => {
      const problems: string[] = [];
      if (seen.has(grant.table)) problems.push(`role "${role.name}" names table ${grant.table} twice`);
      seen.add(grant.table);
      if (grant.schemaName !== undefined && tables.has(grant.table))
        problems.push(`role "${role.name}" gives a schema name to ${grant.table}, which the model declares`);
      const repeated = grant.privileges.filter((privilege, index) => grant.privileges.indexOf(privilege) !== index);
      problems.push(...repeated.map((privilege) => `role "${role.name}" grants ${privilege} on ${grant.table} twice`));
      return problems;
    });
  };

const checkAppsRolesRibbon = (model: Model): string[] => {
  const tables = new Set(model.tables.map((t) => t.logicalName));
  const roles = new Set(model.roles.map((r) => r.name));
  const webResources = new Set(model.webResources.map((w) => w.name));
  const missingTable = (user: string) => (table: string) =>
    tables.has(table) ? [] : [`${user} names table ${table}, which does not exist`];
  return [
    ...model.roles.flatMap((role) =>
      role.tables.flatMap((t) => (t.schemaName === undefined ? missingTable(`role "${role.name}"`)(t.table) : [])),
    ),
    ...model.roles.flatMap(checkRoleGrants(tables)),
    ...model.apps.flatMap((app) => [
      ...app.tables.flatMap(missingTable(`app ${app.uniqueName}`)),
      ...app.roles
        .filter((r) => !roles.has(r))
        .map((r) => `app ${app.uniqueName} names role "${r}", which does not exist`),
      ...app.siteMap.flatMap((area) =>
        area.groups.flatMap((group) =>
          group.subAreas.flatMap((sub) => [
            ...missingTable(`site map subarea ${sub.id}`)(sub.table),
            ...(app.tables.includes(sub.table)
              ? []
              : [`site map subarea ${sub.id} shows ${sub.table}, which app ${app.uniqueName} does not include`]),
          ]),
        ),
      ),
      ...(app.icon === undefined || webResources.has(app.icon)
        ? []
        : [`app ${app.uniqueName} icon ${app.icon} is not registered`]),
    ]),
    ...model.ribbon.flatMap((command) => [
      ...missingTable(`command ${command.id}`)(command.table),
      ...[command.library, command.icon16, command.icon32]
        .filter((name): name is string => name !== undefined && !webResources.has(name))
        .map((name) => `command ${command.id} uses web resource ${name}, which is not registered`),
    ]),
    ...model.manyToMany.flatMap((m) => [m.entity1, m.entity2].flatMap(missingTable(`relationship ${m.schemaName}`))),
  ];
};

/** Every inconsistency in the model, as readable sentences; empty when the model is sound. */
export const checkModel = (model: Model): string[] => [
  ...checkTables(model),
  ...checkChoices(model),
  ...checkOptionKeys(model),
  ...checkForms(model),
  ...checkViewsAndCharts(model),
  ...checkAppsRolesRibbon(model),
];
