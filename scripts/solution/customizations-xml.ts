// Model → the whole customizations.xml and solution.xml, as they sit in an exported solution zip. The unpacked
// SolutionPackager tree (tree.ts) is cut from these, and packing the tree puts them back together.
import type { Model, Table } from "../../customizations/src/schema";
import { compareOrdinal, el, type XmlElement } from "./xml";
import { type Context, descriptions, isSolutionColumn, localizedNames } from "./components/common";
import { entityElement } from "./components/entity";
import { systemFormElement, formId, viewId } from "./components/forms";
import { savedQueryElement, visualizationElement, chartId } from "./components/views";
import { ribbonDiffElement } from "./components/ribbon";
import {
  appModuleElement,
  globalOptionSetElement,
  manyToManyElement,
  oneToManyElement,
  roleElement,
  roleId,
  siteMapElement,
  webResourceElement,
  zipFileNameOf,
  type OneToManyDeclaration,
} from "./components/components";
import { braced } from "./guid";

/** Tables whose children cannot live without them: deleting the parent deletes them (parental relationship). */
const parentalLookups = new Set(["mag_xerodataflow.mag_xeroconnectorid", "mag_trackingoption.mag_trackingcategoryid"]);

const bySchemaName = (a: { schemaName: string }, b: { schemaName: string }): number => compareOrdinal(a.schemaName, b.schemaName);

export const solutionTables = (model: Model): Table[] => model.tables.filter((t) => t.inSolution).sort(bySchemaName);

/** One-to-many relationships the solution carries: the lookups it adds, and the currency lookup of its tables. */
export const solutionOneToMany = (model: Model): OneToManyDeclaration[] =>
  model.tables.flatMap((table) =>
    table.columns.flatMap((column) => {
      if (column.type !== "Lookup") return [];
      const added = isSolutionColumn(model, column.logicalName);
      const currency = table.isCustomEntity && column.logicalName === "transactioncurrencyid";
      if (!added && !currency) return [];
      return column.targets.map((target) => ({
        name: target.relationship,
        referencing: table,
        referenced: model.tables.find((t) => t.logicalName === target.table) ?? table,
        lookupSchemaName: column.schemaName,
        navigationProperty: target.navigationProperty,
        parental: parentalLookups.has(`${table.logicalName}.${column.logicalName}`),
      }));
    }),
  );

const entityWithComponents = (ctx: Context, table: Table): XmlElement => {
  const entity = entityElement(ctx, table);
  const forms = ctx.model.forms.filter((f) => f.table === table.logicalName);
  const formTypes = [...new Set(forms.map((f) => f.type))].sort();
  const views = ctx.model.views
    .filter((v) => v.table === table.logicalName)
    .sort((a, b) => compareOrdinal(viewId(a.table, a.name), viewId(b.table, b.name)));
  const charts = ctx.model.charts.filter((c) => c.table === table.logicalName).sort((a, b) => compareOrdinal(chartId(a), chartId(b)));
  entity.children.push(
    ...(forms.length === 0
      ? []
      : [
          el(
            "FormXml",
            {},
            formTypes.map((type) =>
              el(
                "forms",
                { type },
                forms
                  .filter((f) => f.type === type)
                  .sort((a, b) => compareOrdinal(formId(a), formId(b)))
                  .map((f) => systemFormElement(ctx, f)),
              ),
            ),
          ),
        ]),
    ...(views.length === 0 ? [] : [el("SavedQueries", {}, el("savedqueries", {}, views.map((v) => savedQueryElement(ctx, v))))]),
    ...(charts.length === 0 ? [] : [el("Visualizations", {}, charts.map((c) => visualizationElement(ctx, c)))]),
    ribbonDiffElement(ctx.model.ribbon.filter((r) => r.table === table.logicalName)),
  );
  return entity;
};

/** The full customizations.xml; section order follows the ImportExportXml sequence of CustomizationsSolution.xsd. */
export const customizationsElement = (ctx: Context): XmlElement => {
  const relationships = [
    ...solutionOneToMany(ctx.model).map((r) => ({ key: r.name, node: oneToManyElement(ctx, r) })),
    ...ctx.model.manyToMany.map((m) => ({ key: m.schemaName, node: manyToManyElement(ctx, m) })),
  ].sort((a, b) => compareOrdinal(a.key, b.key));
  const choices = [...ctx.model.choices].sort((a, b) => compareOrdinal(a.name, b.name));
  const roles = [...ctx.model.roles].sort((a, b) => compareOrdinal(a.name, b.name));
  const webResources = [...ctx.model.webResources].sort((a, b) => compareOrdinal(a.name, b.name));
  const apps = [...ctx.model.apps].sort((a, b) => compareOrdinal(a.uniqueName, b.uniqueName));
  return el(
    "ImportExportXml",
    { "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", OrganizationVersion: "9.2.0.0", OrganizationSchemaType: "Standard" },
    el("Entities", {}, solutionTables(ctx.model).map((t) => entityWithComponents(ctx, t))),
    el("Roles", {}, roles.map((r) => roleElement(ctx, r))),
    el("Workflows", {}),
    el("FieldSecurityProfiles", {}),
    el("Templates", {}),
    el("EntityMaps", {}),
    el("EntityRelationships", {}, relationships.map((r) => r.node)),
    el("OrganizationSettings", {}),
    el("optionsets", {}, choices.map((c) => globalOptionSetElement(ctx, c.name))),
    el("WebResources", {}, webResources.map((w) => webResourceElement(ctx, w, zipFileNameOf(w)))),
    el("SolutionPluginAssemblies", {}),
    el("SdkMessageProcessingSteps", {}),
    el("ServiceEndpoints", {}),
    el("AppModuleSiteMaps", {}, apps.map(siteMapElement)),
    el("AppModules", {}, apps.map((a) => appModuleElement(ctx, a))),
    el("Languages", {}, el("Language", {}, 1033)),
  );
};

/**
 * Root components of solution.xml (component type codes of the solutioncomponent table):
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent#componenttype-choicesoptions
 * Custom tables with all subcomponents (behavior 0); standard tables as a shell (behavior 2) with the forms,
 * views and charts we add listed on their own.
 */
const rootComponents = (ctx: Context): XmlElement[] => {
  const standard = new Set(solutionTables(ctx.model).filter((t) => !t.isCustomEntity).map((t) => t.logicalName));
  return [
    ...solutionTables(ctx.model).map((t) =>
      el("RootComponent", { type: 1, schemaName: t.logicalName, behavior: t.isCustomEntity ? 0 : 2 }),
    ),
    ...[...ctx.model.choices].sort((a, b) => compareOrdinal(a.name, b.name)).map((c) => el("RootComponent", { type: 9, schemaName: c.name, behavior: 0 })),
    ...[...ctx.model.roles].sort((a, b) => compareOrdinal(a.name, b.name)).map((r) => el("RootComponent", { type: 20, id: braced(roleId(r)), behavior: 0 })),
    ...ctx.model.views.filter((v) => standard.has(v.table)).map((v) => el("RootComponent", { type: 26, id: braced(viewId(v.table, v.name)), behavior: 0 })),
    ...ctx.model.charts.filter((c) => standard.has(c.table)).map((c) => el("RootComponent", { type: 59, id: braced(chartId(c)), behavior: 0 })),
    ...ctx.model.forms.filter((f) => standard.has(f.table)).map((f) => el("RootComponent", { type: 60, id: braced(formId(f)), behavior: 0 })),
    ...[...ctx.model.webResources].sort((a, b) => compareOrdinal(a.name, b.name)).map((w) => el("RootComponent", { type: 61, schemaName: w.name, behavior: 0 })),
    ...ctx.model.apps.map((a) => el("RootComponent", { type: 62, schemaName: a.uniqueName, behavior: 0 })),
    ...ctx.model.apps.map((a) => el("RootComponent", { type: 80, schemaName: a.uniqueName, behavior: 0 })),
  ];
};

/** solution.xml. `managed`: 1 managed, 0 unmanaged, 2 in the unpacked tree (SolutionPackager's "both"). */
export const solutionManifestElement = (ctx: Context, managed: 0 | 1 | 2): XmlElement =>
  el(
    "ImportExportXml",
    { version: "9.2.0.0", SolutionPackageVersion: "9.2", languagecode: 1033, generatedBy: "CrmLive", "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance" },
    el(
      "SolutionManifest",
      {},
      el("UniqueName", {}, ctx.model.solution.uniqueName),
      localizedNames(ctx.model.solution.displayName),
      descriptions(ctx.model.solution.description),
      el("Version", {}, ctx.version),
      el("Managed", {}, managed),
      el(
        "Publisher",
        {},
        el("UniqueName", {}, ctx.model.publisher.uniqueName),
        localizedNames(ctx.model.publisher.displayName),
        descriptions(ctx.model.publisher.description),
        el("EMailAddress", { "xsi:nil": "true" }),
        el("SupportingWebsiteUrl", { "xsi:nil": "true" }),
        el("CustomizationPrefix", {}, ctx.model.publisher.prefix),
        el("CustomizationOptionValuePrefix", {}, ctx.model.publisher.optionValuePrefix),
      ),
      el("RootComponents", {}, rootComponents(ctx)),
      el("MissingDependencies", {}),
    ),
  );
