// The remaining solution components: relationships, global choices, security roles, web resource registrations,
// the model-driven app and its site map, and the solution manifest (solution.xml).
// https://learn.microsoft.com/power-apps/developer/data-platform/customization-solutions-file-schema
// https://learn.microsoft.com/power-platform/alm/solution-packager-tool
import type { App, ManyToMany, Model, Role, Table, WebResource } from "../../../customizations/src/schema";
import { braced, stableGuid } from "../guid";
import { el, type XmlElement } from "../xml";
import { type Context, descriptions, displayNames, labels, localizedNames, tableByName } from "./common";
import { chartId } from "./views";
import { formId, viewId } from "./forms";

const cascade = (deleteBehavior: "Cascade" | "RemoveLink", parental: boolean) => [
  el("CascadeAssign", {}, parental ? "Cascade" : "NoCascade"),
  el("CascadeDelete", {}, deleteBehavior),
  el("CascadeReparent", {}, parental ? "Cascade" : "NoCascade"),
  el("CascadeShare", {}, parental ? "Cascade" : "NoCascade"),
  el("CascadeUnshare", {}, parental ? "Cascade" : "NoCascade"),
  el("CascadeRollupView", {}, "NoCascade"),
];

export interface OneToManyDeclaration {
  name: string;
  referencing: Table;
  referenced: Table;
  lookupSchemaName: string;
  navigationProperty: string;
  /** Children that make no sense without their parent (data flows, tracking options) are deleted with it. */
  parental: boolean;
}

export const oneToManyElement = (ctx: Context, r: OneToManyDeclaration): XmlElement =>
  el(
    "EntityRelationship",
    { Name: r.name },
    el("EntityRelationshipType", {}, "OneToMany"),
    el("IsCustomizable", {}, "1"),
    el("IntroducedVersion", {}, ctx.version),
    el("IsHierarchical", {}, "0"),
    el("ReferencingEntityName", {}, r.referencing.schemaName),
    el("ReferencedEntityName", {}, r.referenced.schemaName),
    ...cascade(r.parental ? "Cascade" : "RemoveLink", r.parental),
    el("IsValidForAdvancedFind", {}, "1"),
    el("ReferencingAttributeName", {}, r.lookupSchemaName),
    el("RelationshipDescription", {}, descriptions("")),
    el(
      "EntityRelationshipRoles",
      {},
      el(
        "EntityRelationshipRole",
        {},
        el("NavPaneDisplayOption", {}, "UseCollectionName"),
        el("NavPaneArea", {}, "Details"),
        el("NavPaneOrder", {}, 10000),
        el("NavigationPropertyName", {}, r.navigationProperty),
        el("RelationshipRoleType", {}, 1),
      ),
      el("EntityRelationshipRole", {}, el("NavigationPropertyName", {}, r.name), el("RelationshipRoleType", {}, 0)),
    ),
  );

export const manyToManyElement = (ctx: Context, m: ManyToMany): XmlElement => {
  const role = (navigation: string, label: string) =>
    el(
      "EntityRelationshipRole",
      {},
      el("NavPaneDisplayOption", {}, "UseLabel"),
      el("NavPaneArea", {}, "Details"),
      el("NavPaneOrder", {}, 10000),
      el("NavigationPropertyName", {}, navigation),
      labels("CustomLabels", "CustomLabel", label),
      el("RelationshipRoleType", {}, 0),
    );
  return el(
    "EntityRelationship",
    { Name: m.schemaName },
    el("EntityRelationshipType", {}, "ManyToMany"),
    el("IsCustomizable", {}, "1"),
    el("IntroducedVersion", {}, ctx.version),
    el("IsHierarchical", {}, "0"),
    el("FirstEntityName", {}, tableByName(ctx.model, m.entity1).schemaName),
    el("SecondEntityName", {}, tableByName(ctx.model, m.entity2).schemaName),
    el("IntersectEntityName", {}, m.intersectEntity),
    ...cascade("Cascade", false),
    el("IsValidForAdvancedFind", {}, "1"),
    el("EntityRelationshipRoles", {}, role(m.entity1NavigationProperty, m.entity1Label), role(m.entity2NavigationProperty, m.entity2Label)),
  );
};

export const globalOptionSetElement = (ctx: Context, name: string): XmlElement => {
  const choice = ctx.model.choices.find((c) => c.name === name);
  if (choice === undefined) throw new Error(`unknown choice ${name}`);
  return el(
    "optionset",
    { Name: choice.name, localizedName: choice.displayName, description: choice.description },
    el("OptionSetType", {}, "picklist"),
    el("IsGlobal", {}, "1"),
    el("IntroducedVersion", {}, ctx.version),
    el("IsCustomizable", {}, "1"),
    displayNames(choice.displayName),
    descriptions(choice.description),
    el("options", {}, choice.options.map((o) => el("option", { value: o.value }, labels("labels", "label", o.label)))),
  );
};

export const roleId = (role: Role): string => stableGuid("role", role.name);

// Privileges are named prv<Privilege><table schema name> (prvReadInvoice, prvCreatemag_XeroConnector); a platform table
// the model does not declare brings its schema name in the grant (prvReadSolution).
// https://learn.microsoft.com/power-platform/admin/security-roles-privileges
const privilegeSchemaName = (model: Model, grant: Role["tables"][number]): string =>
  grant.schemaName ?? tableByName(model, grant.table).schemaName;

/** The role's privileges as customizations.xml lists them, in declaration order. */
export const rolePrivileges = (model: Model, role: Role): { name: string; level: Role["tables"][number]["depth"] }[] =>
  role.tables.flatMap((grant) =>
    grant.privileges.map((privilege) => ({
      name: `prv${privilege}${privilegeSchemaName(model, grant)}`,
      level: grant.depth,
    })),
  );

export const roleElement = (ctx: Context, role: Role): XmlElement =>
  el(
    "Role",
    { id: braced(roleId(role)), name: role.name },
    el("IsCustomizable", {}, "1"),
    el("IntroducedVersion", {}, ctx.version),
    el(
      "RolePrivileges",
      {},
      rolePrivileges(ctx.model, role).map((privilege) => el("RolePrivilege", privilege)),
    ),
  );

export const webResourceId = (resource: WebResource): string => stableGuid("webresource", resource.name);

/** Exports store a web resource's file as its name without non-alphanumerics (the prefix's `_` kept) + its id. */
export const zipFileNameOf = (resource: WebResource): string =>
  `/WebResources/${resource.name.replace(/[^A-Za-z0-9_]/g, "")}${webResourceId(resource).toUpperCase()}`;
export const treeFileNameOf = (resource: WebResource): string => `/WebResources/${resource.name}`;

export const webResourceElement = (ctx: Context, resource: WebResource, fileName: string): XmlElement =>
  el(
    "WebResource",
    {},
    el("WebResourceId", {}, braced(webResourceId(resource))),
    el("Name", {}, resource.name),
    el("DisplayName", {}, resource.displayName),
    el("Description", {}, resource.description),
    el("WebResourceType", {}, resource.type === "Script" ? 3 : 11),
    el("IntroducedVersion", {}, ctx.version),
    el("IsEnabledForMobileClient", {}, "0"),
    el("IsAvailableForMobileOffline", {}, "0"),
    el("IsCustomizable", {}, "1"),
    el("CanBeDeleted", {}, "1"),
    el("IsHidden", {}, "0"),
    el("FileName", {}, fileName),
  );

export const siteMapElement = (app: App): XmlElement =>
  el(
    "AppModuleSiteMap",
    {},
    el("SiteMapUniqueName", {}, app.uniqueName),
    el(
      "SiteMap",
      { IntroducedVersion: "7.0.0.0" },
      app.siteMap.map((area) =>
        el(
          "Area",
          { Id: area.id, ShowGroups: "true", IntroducedVersion: "7.0.0.0" },
          el("Titles", {}, el("Title", { LCID: 1033, Title: area.title })),
          area.groups.map((group) =>
            el(
              "Group",
              { Id: group.id, IsProfile: "false" },
              el("Titles", {}, el("Title", { LCID: 1033, Title: group.title })),
              group.subAreas.map((sub) =>
                el(
                  "SubArea",
                  { Id: sub.id, Entity: sub.table, AvailableOffline: "true", PassParams: "false" },
                  el("Titles", {}, el("Title", { LCID: 1033, Title: sub.title })),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    localizedNames(app.displayName),
  );

/** The default app icon Dataverse ships (msdyn_/Images/AppModule_Default_Icon.png). */
const defaultAppIconId = "{953b9fac-1e5e-e611-80d6-00155ded156f}";

/** The app's own icon when its web resource is in the solution, otherwise Dataverse's default. */
const appIconId = (ctx: Context, app: App): string => {
  const icon = ctx.model.webResources.find((w) => w.name === app.icon);
  return icon === undefined ? defaultAppIconId : braced(webResourceId(icon));
};

export const appModuleElement = (ctx: Context, app: App): XmlElement => {
  const tables = new Set(app.tables);
  const components = [
    ...app.tables.map((table) => el("AppModuleComponent", { type: 1, schemaName: table })),
    ...ctx.model.forms.filter((f) => tables.has(f.table)).map((f) => el("AppModuleComponent", { type: 60, id: braced(formId(f)) })),
    ...ctx.model.views
      .filter((v) => tables.has(v.table) && v.queryType === 0)
      .map((v) => el("AppModuleComponent", { type: 26, id: braced(viewId(v.table, v.name)) })),
    ...ctx.model.charts.filter((c) => tables.has(c.table)).map((c) => el("AppModuleComponent", { type: 59, id: braced(chartId(c)) })),
    el("AppModuleComponent", { type: 62, schemaName: app.uniqueName }),
  ];
  return el(
    "AppModule",
    {},
    el("UniqueName", {}, app.uniqueName),
    el("IntroducedVersion", {}, ctx.version),
    el("WebResourceId", {}, appIconId(ctx, app)),
    el("FormFactor", {}, 1),
    el("ClientType", {}, 4),
    el("AppModuleComponents", {}, components),
    el(
      "AppModuleRoleMaps",
      {},
      app.roles.map((name) => {
        const role = ctx.model.roles.find((r) => r.name === name);
        if (role === undefined) throw new Error(`app ${app.uniqueName} names unknown role ${name}`);
        return el("Role", { id: braced(roleId(role)) });
      }),
    ),
    localizedNames(app.displayName),
    descriptions(app.description),
  );
};
