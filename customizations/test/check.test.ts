// The model's own checks: every name a form, view or chart uses exists, lookups point at real tables, names and
// option values follow the publisher's prefixes. Mutations run on in-memory copies of the declared model.
import { checkModel, loadModel, modelInput, type ModelInput } from "../src/index";
const model = loadModel();

const copy = (): ModelInput => structuredClone(modelInput);
const withoutColumn = (input: ModelInput, table: string, column: string): ModelInput => ({
  ...input,
  tables: input.tables.map((t) =>
    t.logicalName === table ? { ...t, columns: t.columns.filter((c) => c.logicalName !== column) } : t,
  ),
});

describe("customizations model", () => {
  it("is consistent", () => {
    expect(checkModel(model)).toStrictEqual([]);
  });

  it("fails naming the form and the column when a column a form uses is deleted", () => {
    expect(() => loadModel(withoutColumn(copy(), "invoice", "mag_addtoxero"))).toThrow(
      /form "Invoice \(Xero\)" \(invoice\) names column mag_addtoxero, which table invoice does not have/,
    );
  });

  it("fails naming the view and the column when a column a view uses is deleted", () => {
    expect(() => loadModel(withoutColumn(copy(), "invoice", "mag_xerosyncerror"))).toThrow(
      /view "Invoices Failed to Sync to Xero" \(invoice\) names column mag_xerosyncerror/,
    );
  });

  it("fails naming the chart and the column when a column a chart uses is deleted", () => {
    expect(() => loadModel(withoutColumn(copy(), "invoice", "mag_xerosyncstatus"))).toThrow(
      /chart "Invoices by Xero Sync Status" \(invoice\) names column mag_xerosyncstatus/,
    );
  });

  it("fails when a lookup targets a table that does not exist", () => {
    const input = copy();
    const broken = { ...input, tables: input.tables.filter((t) => t.logicalName !== "mag_brandingtheme") };
    expect(() => loadModel(broken)).toThrow(
      /lookup invoice.mag_brandingthemeid targets table mag_brandingtheme, which does not exist/,
    );
  });

  it("has every lookup target among its tables", () => {
    const names = new Set(model.tables.map((t) => t.logicalName));
    const targets = model.tables.flatMap((t) =>
      t.columns.flatMap((c) => ("targets" in c ? c.targets.map((x) => x.table) : [])),
    );
    expect(targets.filter((t) => !names.has(t))).toStrictEqual([]);
  });

  it("prefixes everything it adds with mag_", () => {
    const added = [
      ...model.tables.filter((t) => t.isCustomEntity).map((t) => t.logicalName),
      ...model.tables
        .filter((t) => !t.isCustomEntity)
        .flatMap((t) => t.columns.map((c) => c.logicalName).filter((n) => n.startsWith("mag"))),
      ...model.choices.map((c) => c.name),
      ...model.manyToMany.map((m) => m.schemaName.toLowerCase()),
      ...model.webResources.map((w) => w.name),
      ...model.apps.map((a) => a.uniqueName.toLowerCase()),
    ];
    expect(added.filter((name) => !name.startsWith("mag_"))).toStrictEqual([]);
    expect(model.publisher.prefix).toBe("mag");
  });

  it("keeps every option value in the publisher's range 582100000–582109999", () => {
    const values = model.choices.flatMap((c) => c.options.map((o) => o.value));
    expect(values.filter((v) => v < 582100000 || v > 582109999)).toStrictEqual([]);
    const input = copy();
    const bad = {
      ...input,
      choices: input.choices.map((c, i) =>
        i === 0 ? { ...c, options: [{ value: 100000000, label: "Default prefix" }] } : c,
      ),
    };
    expect(() => loadModel(bad)).toThrow(/option Default prefix = 100000000 is outside 582100000–582109999/);
  });

  it("fails when an option label makes no valid constant name", () => {
    const input = copy();
    const bad = {
      ...input,
      choices: input.choices.map((c, i) => (i === 0 ? { ...c, options: [{ value: 582100000, label: "2% 10" }] } : c)),
    };
    expect(() => loadModel(bad)).toThrow(/options of mag_xerosyncstatus: "210" is not a valid constant name/);
  });

  it("pins the choice values of ARCHITECTURE.md", () => {
    const options = (name: string) =>
      Object.fromEntries(model.choices.find((c) => c.name === name)!.options.map((o) => [o.label, o.value]));
    expect(options("mag_xerosyncstatus")).toStrictEqual({
      Pending: 582100000,
      Synced: 582100001,
      Failed: 582100002,
      Retrying: 582100003,
    });
    expect(options("mag_xerostatus")).toStrictEqual({
      Connected: 582100000,
      Disconnected: 582100001,
      "Not Connected": 582100002,
    });
    expect(Object.values(options("mag_flow"))).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => 582100000 + n));
  });
});
