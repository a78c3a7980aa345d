// Validates customizations.xml against Microsoft's customization XSDs (9.0.0.2090, ../shared/dataverse/xsd).
// The schemas use .NET regex features libxml2 rejects, so a patched copy is used, exactly as that folder's
// SOURCE.md describes. Elements and attributes newer than the 9.0 schema are removed first, by the allow-list below.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateXML, type XMLValidationError } from "xmllint-wasm";
import { isElement, serializeXml, type XmlElement, type XmlNode } from "./xml";

/**
 * What our customizations.xml carries that the 9.0.0.2090 schema predates. Each entry: the element path (from
 * ImportExportXml) and the attributes or child elements removed before validation, and why they are there.
 */
export const allowList: { path: string[]; attributes?: string[]; elements?: string[]; why: string }[] = [
  {
    // Modern exports stamp the organization's version and schema type on the root; Dataverse reads them on import.
    path: ["ImportExportXml"],
    attributes: ["OrganizationVersion", "OrganizationSchemaType"],
    why: "root attributes of modern exports (listed in SOURCE.md as newer than 9.0.0.2090)",
  },
  {
    // Since 9.x exports name a view's table by logical name; the 9.0 schema types it as an object type code, which
    // a custom table only gets in the target environment.
    path: ["ImportExportXml", "Entities", "Entity", "SavedQueries", "savedqueries", "savedquery"],
    elements: ["returnedtypecode"],
    why: "logical name where the 9.0 schema expects an object type code",
  },
  {
    // Same for a chart's table, an element the 9.0 schema lacks altogether.
    path: ["ImportExportXml", "Entities", "Entity", "Visualizations", "visualization"],
    elements: ["primaryentitytypecode"],
    why: "a chart's table by logical name (newer than 9.0.0.2090)",
  },
];

const stripNode = (node: XmlElement, path: string[]): XmlElement => {
  const rules = allowList.filter((rule) => rule.path.join("/") === path.join("/"));
  const attributes = new Set(rules.flatMap((rule) => rule.attributes ?? []));
  const elements = new Set(rules.flatMap((rule) => rule.elements ?? []));
  return {
    ...node,
    attrs: node.attrs.filter(([name]) => !attributes.has(name)),
    children: node.children
      .filter((child: XmlNode) => !(isElement(child) && elements.has(child.name)))
      .map((child) => (isElement(child) ? stripNode(child, [...path, child.name]) : child)),
  };
};

/** customizations.xml without the allow-listed newer parts. */
export const stripAllowListed = (root: XmlElement): XmlElement => stripNode(root, [root.name]);

/**
 * Replaces the content model of FormXmlControlType's <parameters> with "anything". Its dozens of nested, overlapping
 * choices violate XSD's unique particle attribution; libxml2 2.9 (SOURCE.md) let that pass, the newer libxml2 in
 * xmllint-wasm refuses to compile it ("content model is not determinist"). Control parameters go unchecked.
 */
const relaxControlParameters = (text: string): string => {
  const start = text.indexOf('<xs:element name="parameters" minOccurs="0" maxOccurs="1">', text.indexOf('name="FormXmlControlType"'));
  if (start < 0) return text;
  const tag = /<xs:element\b[^>]*?(\/?)>|<\/xs:element>/g;
  tag.lastIndex = start;
  let depth = 0;
  for (let match = tag.exec(text); match !== null; match = tag.exec(text)) {
    if (match[0].startsWith("</")) depth -= 1;
    else if (match[1] !== "/") depth += 1;
    if (depth === 0) {
      const relaxed =
        '<xs:element name="parameters" minOccurs="0" maxOccurs="1"><xs:complexType><xs:sequence>' +
        '<xs:any minOccurs="0" maxOccurs="unbounded" processContents="skip" /></xs:sequence></xs:complexType></xs:element>';
      return text.slice(0, start) + relaxed + text.slice(match.index + match[0].length);
    }
  }
  return text;
};

/** The SOURCE.md patches: escaped `$`, a negative look-ahead, and `^…$` anchors XSD takes literally. */
export const patchXsd = (fileName: string, text: string): string => {
  let patched = text;
  if (fileName === "FormXml.xsd") {
    patched = patched.replace("(\\$webresource:|/)(.)+", "($webresource:|/)(.)+").replace("(?![cC][rR][mM]_)", "");
    patched = relaxControlParameters(patched);
  }
  if (["FormXml.xsd", "CustomizationsSolution.xsd", "Fetch.xsd"].includes(fileName)) {
    patched = patched.replace(/value="\^(.*)\$"/g, 'value="$1"');
  }
  return patched;
};

export const defaultXsdDir = join(__dirname, "../../../shared/dataverse/xsd");

export interface SchemaCheckResult {
  valid: boolean;
  errors: string[];
}

/** Validates (after stripping the allow-list); undefined when the XSD folder is absent. */
export const checkCustomizationsXml = async (
  customizations: XmlElement,
  xsdDir: string = defaultXsdDir,
  options: { applyAllowList?: boolean } = {},
): Promise<SchemaCheckResult | undefined> => {
  if (!existsSync(join(xsdDir, "CustomizationsSolution.xsd"))) return undefined;
  const schemas = readdirSync(xsdDir)
    .filter((name) => name.endsWith(".xsd"))
    .sort()
    .map((fileName) => ({ fileName, contents: patchXsd(fileName, readFileSync(join(xsdDir, fileName), "utf8")) }));
  const main = schemas.find((s) => s.fileName === "CustomizationsSolution.xsd");
  if (main === undefined) return undefined;
  const result = await validateXML({
    xml: [
      {
        fileName: "customizations.xml",
        contents: serializeXml(options.applyAllowList === false ? customizations : stripAllowListed(customizations)),
      },
    ],
    schema: [main],
    preload: schemas.filter((s) => s !== main),
    maxMemoryPages: 4096,
  });
  return {
    valid: result.valid,
    errors: result.errors.map((e: XMLValidationError) => `${e.loc?.lineNumber ?? "?"}: ${e.message.trim()}`),
  };
};
