// The solution zip as Dataverse imports it: [Content_Types].xml, solution.xml, customizations.xml, and each web
// resource at the FileName its registration names. https://learn.microsoft.com/power-platform/alm/solution-packager-tool
import { strFromU8 } from "fflate";
import { packSolution, type PackedSolution, type Tree } from "./tree";
import { el, parseXml, serializeXml } from "./xml";
import { fromZip, toZip } from "./zip";

/** Zipped web resources carry no extension, so each gets an Override; everything else is XML. */
export const contentTypesXml = (webResourcePaths: string[]): string =>
  serializeXml(
    el(
      "Types",
      { xmlns: "http://schemas.openxmlformats.org/package/2006/content-types" },
      el("Default", { Extension: "xml", ContentType: "application/octet-stream" }),
      [...webResourcePaths].sort().map((path) => el("Override", { PartName: `/${path}`, ContentType: "application/octet-stream" })),
    ),
  );

export const zipEntries = (packed: PackedSolution): Map<string, string | Uint8Array> =>
  new Map<string, string | Uint8Array>([
    ["[Content_Types].xml", contentTypesXml([...packed.webResourceFiles.keys()])],
    ["solution.xml", serializeXml(packed.solution)],
    ["customizations.xml", serializeXml(packed.customizations)],
    ...packed.webResourceFiles.entries(),
  ]);

export const buildSolutionZip = (tree: Tree, managed: boolean): Uint8Array => toZip(zipEntries(packSolution(tree, managed)));

/** Zip → the parts unpackSolution() takes. */
export const readSolutionZip = (bytes: Uint8Array): PackedSolution => {
  const entries = fromZip(bytes);
  const text = (name: string): string => {
    const entry = entries.get(name);
    if (entry === undefined) throw new Error(`solution zip lacks ${name}`);
    return strFromU8(entry);
  };
  return {
    customizations: parseXml(text("customizations.xml")),
    solution: parseXml(text("solution.xml")),
    webResourceFiles: new Map([...entries].filter(([name]) => name.startsWith("WebResources/"))),
  };
};

export const zipFileName = (uniqueName: string, version: string, managed: boolean): string =>
  `${uniqueName}_${version.replace(/\./g, "_")}_${managed ? "managed" : "unmanaged"}.zip`;
