// The "Xero Connector Service" role holds exactly what the sync service does in Dataverse: the privileges are derived
// from azure-functions/src (service-usage.ts) and compared with the declared role, both ways.
import { join } from "node:path";
import { loadModel, modelInput, type ModelInput } from "../../src/index";
import { adminRole, privilegeTableOf, privilegesDefinedOn, roles, serviceRole, userRole } from "../../src/ui/roles";
import { scanService, scanSource, type Access, type Schema, type SourceScan, type Usage } from "./service-usage";

const model = loadModel();
const sourceRoot = join(__dirname, "../../../azure-functions/src");

const schema: Schema = {
  tables: new Set(model.tables.map((t) => t.logicalName)),
  manyToMany: model.manyToMany,
  collections: new Map(
    model.tables.flatMap((child) =>
      child.columns.flatMap((column) =>
        "targets" in column ? column.targets.map((t) => [t.relationship, child.logicalName] as const) : [],
      ),
    ),
  ),
};

const referenceTables = ["mag_xeroaccountcode", "mag_taxrate", "mag_brandingtheme", "mag_trackingcategory"];
const of = (tables: string[], ...accesses: Access[]): Array<[string, Access[]]> => tables.map((t) => [t, accesses]);

/**
 * What the scan cannot resolve, classified by reading the code (a new entry fails the first test, naming the file).
 * - engine/dataverse-store.ts `table`: saveReferenceData's plan() reads, creates and updates the reference tables and
 *   binds each to its connector; commit() writes the Xero contact id back to the account or contact; a pushed
 *   invoice's or credit note's status is written back (toRecordOperation).
 * - engine/dataverse-pull-store.ts `table`: loadLookups' byColumn() reads the reference tables.
 */
const byHand: Record<string, Array<[string, Access[]]>> = {
  "engine/dataverse-store.ts: table": [
    ...of(referenceTables, "Read", "Create", "Write", "Append"),
    ...of(["account", "contact", "invoice", "mag_creditnote"], "Write"),
  ],
  "engine/dataverse-pull-store.ts: table": of(referenceTables, "Read"),
};

/** Entity sets named by string literals: the install checks' solution version and table metadata. */
const literalSetTables: Record<string, string> = { solutions: "solution", EntityDefinitions: "entity" };

/** `table access` keys, on the table whose privileges govern it, dropping what the table does not define. */
const toKeys = (usages: readonly Pick<Usage, "table" | "access">[]): string[] =>
  [
    ...new Set(
      usages.flatMap(({ table, access }) => {
        const governing = privilegeTableOf[table] ?? table;
        const defined = privilegesDefinedOn[governing];
        return defined === undefined || defined.includes(access) ? [`${governing} ${access}`] : [];
      }),
    ),
  ].sort();

const derivedKeys = (scan: SourceScan): string[] =>
  toKeys([
    ...scan.usages,
    ...scan.unresolved.flatMap((key) =>
      (byHand[key] ?? []).flatMap(([table, accesses]) => accesses.map((access) => ({ table, access }))),
    ),
    ...scan.literalSets.map((entry) => ({
      table: literalSetTables[entry.split(": ")[1] ?? ""] ?? entry,
      access: "Read" as const,
    })),
  ]);

const service = model.roles.find((role) => role.name === serviceRole);
const roleKeys = (): string[] =>
  (service?.tables ?? []).flatMap((grant) => grant.privileges.map((privilege) => `${grant.table} ${privilege}`)).sort();

describe("the Xero Connector Service role", () => {
  const scan = scanService(sourceRoot, schema);

  it("is declared, for the service's application user only", () => {
    expect(serviceRole).toBe("Xero Connector Service");
    expect(roles.map((role) => role.name)).toStrictEqual([adminRole, userRole, serviceRole]);
    expect(service?.description).toBe(
      "For the application user of the Xero Connector sync service. Assign it to no person.",
    );
    // No person uses it, so no app lists it.
    expect(model.apps.filter((app) => app.roles.includes(serviceRole)).map((app) => app.uniqueName)).toStrictEqual([]);
  });

  it("has every table reference the scan cannot resolve classified by hand", () => {
    expect(scan.unresolved).toStrictEqual(Object.keys(byHand).sort());
  });

  it("knows every entity set the service names by a string", () => {
    const unknown = scan.literalSets.filter((entry) => literalSetTables[entry.split(": ")[1] ?? ""] === undefined);
    expect(unknown).toStrictEqual([]);
    expect(scan.literalSets).toStrictEqual([
      "onboarding/install-checks.ts: EntityDefinitions",
      "onboarding/install-checks.ts: solutions",
    ]);
  });

  it("grants exactly the privileges the service's code uses", () => {
    expect(roleKeys()).toStrictEqual(derivedKeys(scan));
  });

  it("grants everything at Global depth", () => {
    expect((service?.tables ?? []).filter((grant) => grant.depth !== "Global")).toStrictEqual([]);
  });

  it("covers the real-time registration, the install checks and the pulls' standard tables", () => {
    const keys = roleKeys();
    expect(keys).toEqual(
      expect.arrayContaining([
        "serviceendpoint Create",
        "serviceendpoint Delete",
        "sdkmessageprocessingstep Create",
        "sdkmessageprocessingstepimage Create",
        "sdkmessage Read",
        "solution Read",
        "entity Read",
        "product Read",
        "transactioncurrency AppendTo",
        "invoice Create",
        "account Create",
        "mag_trackingoption AppendTo",
      ]),
    );
    // Nothing a person needs and the service does not: deleting business data, assigning, sharing.
    expect(
      keys.filter((key) => /(Delete|Assign|Share)$/.test(key) && !/^(serviceendpoint|sdkmessage)/.test(key)),
    ).toStrictEqual([]);
  });

  it("names no privilege a table does not define, and no table without privileges of its own", () => {
    const undefinedPrivileges = (service?.tables ?? []).flatMap((grant) => {
      const defined = privilegesDefinedOn[grant.table];
      return defined === undefined
        ? []
        : grant.privileges.filter((p) => !defined.includes(p)).map((p) => `${grant.table} ${p}`);
    });
    expect(undefinedPrivileges).toStrictEqual([]);
    expect((service?.tables ?? []).map((g) => g.table).filter((t) => t in privilegeTableOf)).toStrictEqual([]);
  });

  it("fails the comparison when the service starts deleting invoices", () => {
    const extra = scanSource(
      "flows/cleanup.ts",
      'import { invoice } from "../generated/dataverse";\nawait dataverse.delete(invoice.entitySetName, id);',
      schema,
    );
    const keys = derivedKeys({ ...scan, usages: [...scan.usages, ...extra.usages] });
    expect(keys).toContain("invoice Delete");
    expect(roleKeys()).not.toContain("invoice Delete");
  });
});

describe("the service usage scan", () => {
  const scanOf = (text: string): SourceScan =>
    scanSource(
      "x.ts",
      `import { invoice, invoicedetail, mag_payment, mag_trackingoption, product, uom } from "../generated/dataverse";\n${text}`,
      schema,
    );
  const keysOf = (text: string): string[] =>
    [...new Set(scanOf(text).usages.map((u) => `${u.table} ${u.access}`))].sort();

  it("reads retrieve calls, GET batch parts and expanded lookups", () => {
    expect(
      keysOf("await dataverse.retrieveMultiple<Record<string, unknown>>(invoice.entitySetName, {});"),
    ).toStrictEqual(["invoice Read"]);
    expect(keysOf('items.push({ method: "GET", path: mag_payment.entitySetName });')).toStrictEqual([
      "mag_payment Read",
    ]);
    expect(keysOf("expand: [{ property: invoicedetail.navigation.productid.product, select: [] }]")).toStrictEqual([
      "product Read",
    ]);
    expect(keysOf('const lines = "invoice_details";')).toStrictEqual(["invoicedetail Read"]);
  });

  it("tells an upsert by alternate key from an update", () => {
    expect(
      keysOf(
        'const op = { method: "PATCH", path: `${mag_payment.entitySetName}${toKeySegment({ mag_xeropaymentid: id })}`, body };',
      ),
    ).toStrictEqual(["mag_payment Create", "mag_payment Write"]);
    expect(
      keysOf(
        'const op = { method: "PATCH", path: `${mag_payment.entitySetName}${toKeySegment({ mag_xeropaymentid: id })}`, headers: { "If-Match": "*" }, body };',
      ),
    ).toStrictEqual(["mag_payment Write"]);
    expect(keysOf('const op = { method: "POST", path: invoice.entitySetName, body };')).toStrictEqual([
      "invoice Create",
    ]);
  });

  it("sees lookups set through an alias of a table's navigation, and N:N $ref associations", () => {
    expect(
      keysOf(
        "const nav = invoicedetail.navigation;\nconst body = { ...toBind(nav.uomid.uom, uom.entitySetName, id) };",
      ),
    ).toStrictEqual(["invoicedetail Append", "uom AppendTo"]);
    expect(
      keysOf(
        'const rel = manyToMany.mag_InvoiceDetail_TrackingOption.navigationFromEntity1;\nops.push({ method: "POST", path: `${invoicedetail.entitySetName}(${id})/${rel}/$ref` });',
      ),
    ).toStrictEqual([
      "invoicedetail Append",
      "invoicedetail AppendTo",
      "mag_trackingoption Append",
      "mag_trackingoption AppendTo",
    ]);
  });

  it("reports a helper's table parameter and literal entity sets instead of guessing", () => {
    const scanned = scanOf(
      'const rows = await dataverse.retrieveMultiple(table.entitySetName, {});\nawait dataverse.retrieveMultiple("roles", {});',
    );
    expect(scanned.unresolved).toStrictEqual(["x.ts: table"]);
    expect(scanned.literalSets).toStrictEqual(["x.ts: roles"]);
    expect(scanned.usages).toStrictEqual([]);
  });

  it("ignores table names that are not the generated constants", () => {
    expect(scanSource("y.ts", "await dataverse.create(invoice.entitySetName, {});", schema).unresolved).toStrictEqual([
      "y.ts: invoice",
    ]);
  });
});

describe("role grants on platform tables", () => {
  const withServiceGrants = (grants: ModelInput["roles"][number]["tables"]): ModelInput => ({
    ...modelInput,
    roles: modelInput.roles.map((role) => (role.name === serviceRole ? { ...role, tables: grants } : role)),
  });

  it("need a schema name when the model does not declare the table", () => {
    expect(() => loadModel(withServiceGrants([{ table: "solution", privileges: ["Read"], depth: "Global" }]))).toThrow(
      /role "Xero Connector Service" names table solution, which does not exist/,
    );
  });

  it("may not rename a table the model declares", () => {
    expect(() =>
      loadModel(withServiceGrants([{ table: "invoice", schemaName: "Quote", privileges: ["Read"], depth: "Global" }])),
    ).toThrow(/gives a schema name to invoice, which the model declares/);
  });

  it("name each table and privilege once", () => {
    expect(() =>
      loadModel(
        withServiceGrants([
          { table: "invoice", privileges: ["Read", "Read"], depth: "Global" },
          { table: "invoice", privileges: ["Write"], depth: "Global" },
        ]),
      ),
    ).toThrow(
      /grants Read on invoice twice[\s\S]*names table invoice twice|names table invoice twice[\s\S]*grants Read on invoice twice/,
    );
  });
});
