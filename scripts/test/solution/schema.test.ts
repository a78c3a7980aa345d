// customizations.xml against Microsoft's customization schemas (patched copy; allow-list in schema-check.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { allowList, checkCustomizationsXml, defaultXsdDir, patchXsd, stripAllowListed } from "../../solution/schema-check";
import { buildSolutionZip, readSolutionZip } from "../../solution/package";
import { el } from "../../solution/xml";
import { committedTree } from "./fixtures";

const xsdPresent = existsSync(join(defaultXsdDir, "CustomizationsSolution.xsd"));
if (!xsdPresent) {
  console.warn(`\n\n!!! SKIPPING the customizations.xml schema check: ${defaultXsdDir} is absent !!!\n\n`);
}
const whenXsd = xsdPresent ? it : it.skip;

describe("customizations.xml schema check", () => {
  const customizations = readSolutionZip(buildSolutionZip(committedTree(), true)).customizations;

  whenXsd("passes CustomizationsSolution.xsd with only the commented allow-list removed", async () => {
    const result = await checkCustomizationsXml(customizations);
    expect(result?.errors).toStrictEqual([]);
    expect(result?.valid).toBe(true);
  });

  whenXsd("fails without the allow-list, and only on what it lists", async () => {
    const result = await checkCustomizationsXml(customizations, defaultXsdDir, { applyAllowList: false });
    expect(result?.valid).toBe(false);
    const listed = allowList.flatMap((rule) => [...(rule.attributes ?? []), ...(rule.elements ?? [])]);
    const unexplained = (result?.errors ?? []).filter((error) => !listed.some((name) => error.includes(`'${name}'`)));
    expect(unexplained).toStrictEqual([]);
  });

  whenXsd("fails on an element the schema does not know", async () => {
    const broken = { ...customizations, children: [...customizations.children, el("NotACustomization")] };
    const result = await checkCustomizationsXml(broken);
    expect(result?.valid).toBe(false);
    expect(result?.errors.join("\n")).toContain("NotACustomization");
  });

  it("removes only what the allow-list names", () => {
    expect(allowList.map((rule) => rule.path.at(-1))).toStrictEqual(["ImportExportXml", "savedquery", "visualization"]);
    const stripped = stripAllowListed(el("ImportExportXml", { OrganizationVersion: "9.2", other: "kept" }, el("Entities")));
    expect(stripped).toStrictEqual(el("ImportExportXml", { other: "kept" }, el("Entities")));
  });

  it("patches the XSDs as SOURCE.md describes", () => {
    expect(patchXsd("FormXml.xsd", '<xs:pattern value="(\\$webresource:|/)(.)+" />')).toBe('<xs:pattern value="($webresource:|/)(.)+" />');
    expect(patchXsd("Fetch.xsd", '<xs:pattern value="^[0-9]+$" />')).toBe('<xs:pattern value="[0-9]+" />');
    expect(patchXsd("FormXml.xsd", '<xs:pattern value="(?![cC][rR][mM]_)[a-z]+" />')).toBe('<xs:pattern value="[a-z]+" />');
  });
});
