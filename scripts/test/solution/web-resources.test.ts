import { generateSolutionTree } from "../../solution/generate-files";
import { withAvailableWebResources } from "../../solution/web-resources";
import { toSolutionVersion } from "../../solution/version";
import { model, version } from "./fixtures";

const only = (...names: string[]) => new Map(names.map((name) => [name, new Uint8Array([1])]));

describe("web resources that are not built yet", () => {
  it("are left out with the handlers and commands that need them, and reported", () => {
    const { model: available, omitted } = withAvailableWebResources(model, only("mag_/scripts/invoice-form.js"));
    expect(available.webResources.map((w) => w.name)).toStrictEqual(["mag_/scripts/invoice-form.js"]);
    expect(available.forms.find((f) => f.name === "Xero Connector")?.handlers).toStrictEqual([]);
    expect(available.forms.find((f) => f.name === "Invoice (Xero)")?.handlers).toHaveLength(4);
    expect(available.ribbon).toStrictEqual([]);
    expect(omitted).toContain("command invoice.RetryXeroSync");
    expect(omitted).toContain('form "Xero Connector" handler XeroConnector.ConnectorForm.onLoad');
  });

  it("leave a solution tree that references none of them", () => {
    const { tree } = generateSolutionTree(model, { version, webResourceFiles: only("mag_/scripts/invoice-form.js") });
    const text = [...tree.values()].filter((v): v is string => typeof v === "string").join("\n");
    expect(text).toContain("mag_/scripts/invoice-form.js");
    expect(text).not.toContain("mag_/scripts/commands.js");
    expect(text).not.toContain("mag_/scripts/connector-form.js");
  });
});

describe("solution version", () => {
  it("is package.json's semver with a fourth part", () => {
    expect(toSolutionVersion("1.0.0")).toBe("1.0.0.0");
    expect(toSolutionVersion("2.13.4-beta.1")).toBe("2.13.4.0");
  });
});
