// The zips: contents where Dataverse expects them, managed flag, same bytes every time, and a lossless round trip
// back to solution/src.
import { strFromU8 } from "fflate";
import { buildSolutionZip, readSolutionZip, zipFileName } from "../../solution/package";
import { unpackSolution } from "../../solution/tree";
import { attr, childElement, childElements, textOf, type XmlElement } from "../../solution/xml";
import { fromZip } from "../../solution/zip";
import { toMetadata } from "../../solution/to-metadata";
import { parseXml } from "../../solution/xml";
import { committedTree, model, version } from "./fixtures";

const tree = committedTree();
const managed = buildSolutionZip(tree, true);
const unmanaged = buildSolutionZip(tree, false);
const packedManaged = readSolutionZip(managed);
const packedUnmanaged = readSolutionZip(unmanaged);

const descendants = (node: XmlElement): XmlElement[] =>
  childElements(node).flatMap((child) => [child, ...descendants(child)]);

describe("solution zip", () => {
  it("holds [Content_Types].xml, solution.xml, customizations.xml and one file per web resource", () => {
    const names = [...fromZip(managed).keys()];
    expect(names.filter((n) => !n.startsWith("WebResources/"))).toStrictEqual(["[Content_Types].xml", "customizations.xml", "solution.xml"]);
    const registered = childElements(childElement(packedManaged.customizations, "WebResources")!, "WebResource");
    expect(names.filter((n) => n.startsWith("WebResources/")).sort()).toStrictEqual(
      registered.map((w) => (textOf(childElement(w, "FileName")) ?? "").replace(/^\//, "")).sort(),
    );
  });

  it("names web resource files as exports do: name without punctuation + upper-case id", () => {
    const registered = childElements(childElement(packedManaged.customizations, "WebResources")!, "WebResource");
    for (const resource of registered) {
      const id = (textOf(childElement(resource, "WebResourceId")) ?? "").replace(/[{}]/g, "").toUpperCase();
      const name = textOf(childElement(resource, "Name")) ?? "";
      expect(textOf(childElement(resource, "FileName"))).toBe(`/WebResources/${name.replace(/[^A-Za-z0-9_]/g, "")}${id}`);
    }
  });

  it("says managed in the managed zip and unmanaged in the other", () => {
    const managedFlag = (zip: Uint8Array) => textOf(childElement(childElement((zip === managed ? packedManaged : packedUnmanaged).solution, "SolutionManifest")!, "Managed"));
    expect(managedFlag(managed)).toBe("1");
    expect(managedFlag(unmanaged)).toBe("0");
  });

  it("carries the package.json version and the file names pac uses", () => {
    const manifest = childElement(packedManaged.solution, "SolutionManifest")!;
    expect(textOf(childElement(manifest, "Version"))).toBe("1.0.0.0");
    expect(zipFileName("XeroConnector", "1.0.0.0", true)).toBe("XeroConnector_1_0_0_0_managed.zip");
    expect(zipFileName("XeroConnector", "1.0.0.0", false)).toBe("XeroConnector_1_0_0_0_unmanaged.zip");
  });

  it("is byte-identical when built again from the same tree", () => {
    expect(Buffer.from(buildSolutionZip(committedTree(), true)).equals(Buffer.from(managed))).toBe(true);
  });

  it.each([
    ["managed", managed],
    ["unmanaged", unmanaged],
  ])("unpacks (%s) back to exactly solution/src", (_kind, zip) => {
    const unpacked = unpackSolution((zip === managed ? packedManaged : packedUnmanaged));
    const text = (v: string | Uint8Array | undefined) => (typeof v === "string" ? v : v === undefined ? "" : Buffer.from(v).toString("base64"));
    expect([...unpacked.keys()].sort()).toStrictEqual([...tree.keys()].sort());
    const different = [...tree.keys()].filter((path) => text(unpacked.get(path)) !== text(tree.get(path)));
    expect(different).toStrictEqual([]);
  });

  it("carries every web resource a form or command references", () => {
    const packed = packedManaged;
    const registered = new Set(
      childElements(childElement(packed.customizations, "WebResources")!, "WebResource").map((w) => textOf(childElement(w, "Name"))),
    );
    const files = fromZip(managed);
    const nodes = descendants(packed.customizations);
    const referenced = [
      ...nodes.filter((n) => n.name === "Library").map((n) => attr(n, "name")),
      ...nodes.filter((n) => n.name === "Handler").map((n) => attr(n, "libraryName")),
      ...nodes.flatMap((n) => n.attrs.map(([, v]) => v).filter((v) => v.startsWith("$webresource:")).map((v) => v.slice("$webresource:".length))),
    ];
    expect(referenced.length).toBeGreaterThan(0);
    const missing = referenced.filter((name) => name === undefined || !registered.has(name));
    expect(missing).toStrictEqual([]);
    for (const resource of childElements(childElement(packed.customizations, "WebResources")!, "WebResource")) {
      const file = files.get((textOf(childElement(resource, "FileName")) ?? "").replace(/^\//, ""));
      expect(file?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it("names only existing columns in the packed forms, views and charts (each problem names both)", () => {
    const metadata = toMetadata(model, version);
    const columnsOf = (table: string) =>
      new Set(metadata.tables.find((t) => t.logicalName === table.toLowerCase())?.attributes.map((a) => a.logicalName));
    const name = (node: XmlElement) =>
      attr(childElement(childElement(node, "LocalizedNames")!, "LocalizedName")!, "description") ?? "?";
    let checked = 0;
    const problems = childElements(childElement(packedManaged.customizations, "Entities")!, "Entity").flatMap((entity) => {
      const table = textOf(childElement(entity, "Name")) ?? "";
      const columns = columnsOf(table);
      const missing = (user: string, names: (string | undefined)[]) => {
        checked += names.length;
        return names
          .filter((n): n is string => n !== undefined && !columns.has(n))
          .map((n) => `${user} names column ${n}, which ${table} does not have`);
      };
      const forms = descendants(entity).filter((n) => n.name === "systemform");
      const views = descendants(entity).filter((n) => n.name === "savedquery");
      const charts = descendants(entity).filter((n) => n.name === "visualization");
      return [
        ...forms.flatMap((f) => missing(`form "${name(f)}"`, descendants(f).filter((n) => n.name === "control").map((c) => attr(c, "datafieldname")))),
        ...views.flatMap((v) =>
          missing(
            `view "${name(v)}"`,
            descendants(v)
              .filter((n) => ["attribute", "condition", "order", "cell"].includes(n.name))
              .map((n) => attr(n, "name") ?? attr(n, "attribute")),
          ),
        ),
        ...charts.flatMap((c) =>
          missing(
            `chart "${name(c)}"`,
            descendants(parseXml(textOf(childElement(c, "datadescription")) ?? "<x />"))
              .filter((n) => n.name === "attribute")
              .map((n) => attr(n, "name")),
          ),
        ),
      ];
    });
    expect(problems).toStrictEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  it("uses the registered Xero icon as the app's icon", () => {
    const app = childElement(childElement(packedManaged.customizations, "AppModules")!, "AppModule")!;
    const ids = childElements(childElement(packedManaged.customizations, "WebResources")!, "WebResource").map((w) =>
      textOf(childElement(w, "WebResourceId")),
    );
    expect(ids).toContain(textOf(childElement(app, "WebResourceId")));
  });

  it("registers form handlers with the execution context, as ARCHITECTURE.md pins them", () => {
    const handlers = descendants(packedManaged.customizations).filter((n) => n.name === "Handler");
    expect(handlers.every((h) => attr(h, "passExecutionContext") === "true")).toBe(true);
    const declared = model.forms.flatMap((f) => f.handlers.map((h) => h.functionName));
    expect(handlers.map((h) => attr(h, "functionName")).sort()).toStrictEqual([...declared].sort());
  });

  it("holds the web resource bytes unchanged", () => {
    const files = fromZip(managed);
    const script = [...files.keys()].find((n) => n.startsWith("WebResources/mag_scriptsinvoiceformjs"));
    expect(script).toBeDefined();
    expect(strFromU8(files.get(script!)!)).toBe(Buffer.from(tree.get("WebResources/mag_/scripts/invoice-form.js") as Uint8Array).toString("utf8"));
  });
});
