// The SolutionPackager layout of solution/src/ (what `pac solution unpack` writes), and the two directions:
// unpack (customizations.xml + solution.xml + web resource files → tree) and pack (tree → the same again).
// https://learn.microsoft.com/power-platform/alm/solution-packager-tool
// Layout: Other/{Solution,Customizations,Relationships}.xml, Other/Relationships/<Table>.xml,
// Entities/<Table>/{Entity.xml, RibbonDiff.xml, FormXml/<type>/{id}.xml, SavedQueries/{id}.xml,
// Visualizations/{id}.xml}, OptionSets/<name>.xml, Roles/<name>.xml, WebResources/<name> + <name>.data.xml,
// AppModules/<name>/AppModule.xml, AppModuleSiteMaps/<name>/AppModuleSiteMap.xml.
import { xmlMarker } from "./marker";
import { attr, childElement, childElements, compareOrdinal, el, isElement, parseXml, serializeXml, textOf, type XmlElement } from "./xml";

/** Relative path (forward slashes) → content: XML as text, web resource files as bytes. */
export type Tree = Map<string, string | Uint8Array>;

export interface PackedSolution {
  customizations: XmlElement;
  solution: XmlElement;
  /** Zip path (no leading slash) → bytes. */
  webResourceFiles: Map<string, Uint8Array>;
}

const writeXml = (node: XmlElement): string => serializeXml(node, { comment: xmlMarker, declaration: false });
const readXml = (tree: Tree, path: string): XmlElement => {
  const content = tree.get(path);
  if (typeof content !== "string") throw new Error(`solution tree lacks ${path}`);
  return parseXml(content);
};

/** Sections of customizations.xml that live in files of their own when unpacked. */
const extractedSections = ["Entities", "Roles", "EntityRelationships", "optionsets", "WebResources", "AppModuleSiteMaps", "AppModules"];

const withoutChildren = (node: XmlElement): XmlElement => ({ ...node, children: [] });
const section = (root: XmlElement, name: string): XmlElement => {
  const found = childElement(root, name);
  if (found === undefined) throw new Error(`customizations.xml lacks <${name}>`);
  return found;
};
const stripBraces = (id: string): string => id.replace(/[{}]/g, "").toLowerCase();
const fileSafe = (name: string): string => name.replace(/[^A-Za-z0-9_.\- ]/g, "_");

const relationshipOwner = (relationship: XmlElement): string =>
  textOf(childElement(relationship, "ReferencedEntityName")) ?? textOf(childElement(relationship, "FirstEntityName")) ?? "Other";

const setText = (node: XmlElement, name: string, text: string): XmlElement => ({
  ...node,
  children: node.children.map((child) => (isElement(child) && child.name === name ? { ...child, children: [{ text }] } : child)),
});

const unpackEntity = (tree: Tree, entity: XmlElement): void => {
  const name = textOf(childElement(entity, "Name"));
  if (name === undefined) throw new Error("entity without a name");
  const dir = `Entities/${name}`;
  const kept = entity.children.filter((c) => isElement(c) && (c.name === "Name" || c.name === "EntityInfo"));
  tree.set(`${dir}/Entity.xml`, writeXml({ ...entity, children: kept }));
  for (const forms of childElements(childElement(entity, "FormXml") ?? el("FormXml"), "forms")) {
    for (const form of childElements(forms, "systemform")) {
      const id = stripBraces(textOf(childElement(form, "formid")) ?? "");
      tree.set(`${dir}/FormXml/${attr(forms, "type") ?? "main"}/{${id}}.xml`, writeXml(el("forms", {}, form)));
    }
  }
  for (const query of childElements(childElement(childElement(entity, "SavedQueries") ?? el("x"), "savedqueries") ?? el("x"), "savedquery")) {
    const id = stripBraces(textOf(childElement(query, "savedqueryid")) ?? "");
    tree.set(`${dir}/SavedQueries/{${id}}.xml`, writeXml(el("savedqueries", {}, query)));
  }
  for (const chart of childElements(childElement(entity, "Visualizations") ?? el("x"), "visualization")) {
    const id = stripBraces(textOf(childElement(chart, "savedqueryvisualizationid")) ?? "");
    tree.set(`${dir}/Visualizations/{${id}}.xml`, writeXml(chart));
  }
  const ribbon = childElement(entity, "RibbonDiffXml");
  if (ribbon !== undefined) tree.set(`${dir}/RibbonDiff.xml`, writeXml(ribbon));
};

/**
 * Zip → tree. `webResourceFiles` are keyed by the zip path the registration's FileName names; in the tree each
 * file sits at its web resource name, and FileName says so.
 */
export const unpackSolution = (packed: PackedSolution): Tree => {
  const tree: Tree = new Map();
  const root = packed.customizations;
  const skeleton = {
    ...root,
    children: root.children.map((c) => (isElement(c) && extractedSections.includes(c.name) ? withoutChildren(c) : c)),
  };
  const manifest = childElement(packed.solution, "SolutionManifest");
  if (manifest === undefined) throw new Error("solution.xml lacks SolutionManifest");
  tree.set("Other/Solution.xml", writeXml({ ...packed.solution, children: [setText(manifest, "Managed", "2")] }));
  tree.set("Other/Customizations.xml", writeXml(skeleton));

  for (const entity of childElements(section(root, "Entities"), "Entity")) unpackEntity(tree, entity);

  const relationships = childElements(section(root, "EntityRelationships"), "EntityRelationship");
  tree.set(
    "Other/Relationships.xml",
    writeXml(el("EntityRelationships", {}, relationships.map((r) => el("EntityRelationship", { Name: attr(r, "Name") ?? "" })))),
  );
  const owners = [...new Set(relationships.map(relationshipOwner))];
  for (const owner of owners) {
    tree.set(
      `Other/Relationships/${owner}.xml`,
      writeXml(el("EntityRelationships", {}, relationships.filter((r) => relationshipOwner(r) === owner))),
    );
  }
  for (const optionSet of childElements(section(root, "optionsets"), "optionset")) {
    tree.set(`OptionSets/${attr(optionSet, "Name") ?? ""}.xml`, writeXml(optionSet));
  }
  for (const role of childElements(section(root, "Roles"), "Role")) {
    tree.set(`Roles/${fileSafe(attr(role, "name") ?? "")}.xml`, writeXml(role));
  }
  for (const resource of childElements(section(root, "WebResources"), "WebResource")) {
    const name = textOf(childElement(resource, "Name")) ?? "";
    const zipPath = (textOf(childElement(resource, "FileName")) ?? "").replace(/^\//, "");
    const bytes = packed.webResourceFiles.get(zipPath);
    if (bytes === undefined) throw new Error(`web resource ${name} has no file ${zipPath} in the package`);
    tree.set(`WebResources/${name}`, bytes);
    tree.set(`WebResources/${name}.data.xml`, writeXml(setText(resource, "FileName", `/WebResources/${name}`)));
  }
  for (const siteMap of childElements(section(root, "AppModuleSiteMaps"), "AppModuleSiteMap")) {
    const name = textOf(childElement(siteMap, "SiteMapUniqueName")) ?? "";
    tree.set(`AppModuleSiteMaps/${name}/AppModuleSiteMap.xml`, writeXml(siteMap));
  }
  for (const app of childElements(section(root, "AppModules"), "AppModule")) {
    const name = textOf(childElement(app, "UniqueName")) ?? "";
    tree.set(`AppModules/${name}/AppModule.xml`, writeXml(app));
  }
  return tree;
};

const pathsUnder = (tree: Tree, prefix: string, suffix: string): string[] =>
  [...tree.keys()].filter((p) => p.startsWith(prefix) && p.endsWith(suffix)).sort(compareOrdinal);

const packEntity = (tree: Tree, dir: string): XmlElement => {
  const entity = readXml(tree, `${dir}/Entity.xml`);
  const formFiles = pathsUnder(tree, `${dir}/FormXml/`, ".xml");
  const formTypes = [...new Set(formFiles.map((p) => p.split("/")[3] ?? "main"))].sort(compareOrdinal);
  const queries = pathsUnder(tree, `${dir}/SavedQueries/`, ".xml");
  const charts = pathsUnder(tree, `${dir}/Visualizations/`, ".xml");
  const ribbon = tree.has(`${dir}/RibbonDiff.xml`) ? readXml(tree, `${dir}/RibbonDiff.xml`) : undefined;
  return {
    ...entity,
    children: [
      ...entity.children,
      ...(formFiles.length === 0
        ? []
        : [
            el(
              "FormXml",
              {},
              formTypes.map((type) =>
                el("forms", { type }, formFiles.filter((p) => p.split("/")[3] === type).flatMap((p) => readXml(tree, p).children)),
              ),
            ),
          ]),
      ...(queries.length === 0 ? [] : [el("SavedQueries", {}, el("savedqueries", {}, queries.flatMap((p) => readXml(tree, p).children)))]),
      ...(charts.length === 0 ? [] : [el("Visualizations", {}, charts.map((p) => readXml(tree, p)))]),
      ...(ribbon === undefined ? [] : [ribbon]),
    ],
  };
};

/** Tree → the zip's customizations.xml, solution.xml (managed or not) and web resource files. */
export const packSolution = (tree: Tree, managed: boolean): PackedSolution => {
  const skeleton = readXml(tree, "Other/Customizations.xml");
  const entityDirs = [...new Set(pathsUnder(tree, "Entities/", "/Entity.xml").map((p) => p.replace(/\/Entity\.xml$/, "")))].sort(compareOrdinal);
  const webResourceFiles = new Map<string, Uint8Array>();
  const webResources = pathsUnder(tree, "WebResources/", ".data.xml").map((path) => {
    const registration = readXml(tree, path);
    const name = textOf(childElement(registration, "Name")) ?? "";
    const id = stripBraces(textOf(childElement(registration, "WebResourceId")) ?? "").toUpperCase();
    const zipPath = `WebResources/${name.replace(/[^A-Za-z0-9_]/g, "")}${id}`;
    const bytes = tree.get(`WebResources/${name}`);
    if (!(bytes instanceof Uint8Array)) throw new Error(`web resource ${name} is registered but WebResources/${name} is missing`);
    webResourceFiles.set(zipPath, bytes);
    return setText(registration, "FileName", `/${zipPath}`);
  });
  const relationshipFiles = pathsUnder(tree, "Other/Relationships/", ".xml");
  const relationships = relationshipFiles
    .flatMap((p) => childElements(readXml(tree, p), "EntityRelationship"))
    .sort((a, b) => compareOrdinal(attr(a, "Name") ?? "", attr(b, "Name") ?? ""));
  const filled: Record<string, XmlElement[]> = {
    Entities: entityDirs.map((dir) => packEntity(tree, dir)),
    Roles: pathsUnder(tree, "Roles/", ".xml").map((p) => readXml(tree, p)),
    EntityRelationships: relationships,
    optionsets: pathsUnder(tree, "OptionSets/", ".xml").map((p) => readXml(tree, p)),
    WebResources: webResources,
    AppModuleSiteMaps: pathsUnder(tree, "AppModuleSiteMaps/", "/AppModuleSiteMap.xml").map((p) => readXml(tree, p)),
    AppModules: pathsUnder(tree, "AppModules/", "/AppModule.xml").map((p) => readXml(tree, p)),
  };
  const customizations = {
    ...skeleton,
    children: skeleton.children.map((c) => (isElement(c) && filled[c.name] !== undefined ? { ...c, children: filled[c.name] ?? [] } : c)),
  };
  const solution = readXml(tree, "Other/Solution.xml");
  const manifest = childElement(solution, "SolutionManifest");
  if (manifest === undefined) throw new Error("Other/Solution.xml lacks SolutionManifest");
  return {
    customizations,
    solution: { ...solution, children: [setText(manifest, "Managed", managed ? "1" : "0")] },
    webResourceFiles,
  };
};
