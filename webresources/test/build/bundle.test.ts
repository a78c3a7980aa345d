// The built bundles, loaded the way the browser loads a web resource: as a classic script on one shared global.
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { XrmMockGenerator } from "xrm-mock";
import { buildWebResources, scriptBundles } from "../../../scripts/build-webresources";
import { mag_xeroconnector, mag_xerostatus } from "../../src/generated/dataverse";
import { noticeIds } from "../../src/connector-form/rules";

/** The handler names pinned in ARCHITECTURE.md ("Web resources and their handlers"). */
const pinnedHandlers: Record<string, string[]> = {
  InvoiceForm: ["onLoad", "onAddToXeroChange", "onSendEmailFromXeroChange", "onSave"],
  ConnectorForm: ["onLoad", "onIsDefaultChange"],
  Commands: ["retryInvoiceSync", "retryInvoicesSync", "syncConnectorNow", "canRetry"],
};

let outDir = "";

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), "webresources-"));
  await buildWebResources({ outDir });
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function readBundle(name: string): Promise<string> {
  return readFile(path.join(outDir, name), "utf8");
}

type Page = vm.Context & { XeroConnector?: Record<string, Record<string, unknown>> };

async function loadAll(page: Page): Promise<Page> {
  for (const bundle of scriptBundles) vm.runInContext(await readBundle(bundle.name), page, { filename: bundle.name });
  return page;
}

describe("built web resources", () => {
  it("writes each script under its web resource name, a map beside it, and the icons", async () => {
    const files = await readdir(path.join(outDir, "mag_"), { recursive: true });
    expect(files.map((file) => file.split(path.sep).join("/")).sort()).toStrictEqual([
      "images",
      "images/xero-16.svg",
      "images/xero-32.svg",
      "scripts",
      "scripts/commands.js",
      "scripts/commands.js.map",
      "scripts/connector-form.js",
      "scripts/connector-form.js.map",
      "scripts/invoice-form.js",
      "scripts/invoice-form.js.map",
    ]);
  });

  it("defines XeroConnector.InvoiceForm.onLoad and every other pinned handler as functions", async () => {
    const page = await loadAll(vm.createContext({}));
    for (const [namespace, handlers] of Object.entries(pinnedHandlers)) {
      for (const handler of handlers) {
        expect([namespace, handler, typeof page.XeroConnector?.[namespace]?.[handler]]).toStrictEqual([namespace, handler, "function"]);
      }
    }
  });

  it("adds to an existing XeroConnector namespace instead of replacing it", async () => {
    const mine = { keep: true };
    const page = await loadAll(vm.createContext({ XeroConnector: { Other: mine } }));
    expect(page.XeroConnector?.Other).toBe(mine);
    expect(Object.keys(page.XeroConnector ?? {}).sort()).toStrictEqual(["Commands", "ConnectorForm", "InvoiceForm", "Other"]);
  });

  it("leaks no other global", async () => {
    const page = await loadAll(vm.createContext({}));
    expect(Object.keys(page)).toStrictEqual(["XeroConnector"]);
  });

  it("is minified, without a sourceMappingURL the managed zip could not serve", async () => {
    for (const bundle of scriptBundles) {
      const text = await readBundle(bundle.name);
      expect(text).not.toMatch(/sourceMappingURL/);
      // Minified: no indented lines, no comments but the banner naming the resource.
      expect(text).not.toMatch(/\n[ \t]+\S/);
      expect(text.match(/\/\*/g)).toHaveLength(1);
      const map = JSON.parse(await readBundle(`${bundle.name}.map`)) as { version: number; sources: string[] };
      expect(map.version).toBe(3);
      expect(map.sources.some((source) => source.endsWith(bundle.entry.replace(/^src\//, "")))).toBe(true);
    }
  });

  it("is deterministic: building again gives the same bytes", async () => {
    const again = await mkdtemp(path.join(os.tmpdir(), "webresources-"));
    try {
      await buildWebResources({ outDir: again });
      for (const bundle of scriptBundles) {
        const [first, second] = await Promise.all([readBundle(bundle.name), readFile(path.join(again, bundle.name), "utf8")]);
        expect(second).toBe(first);
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it("runs: the bundled connector form's onLoad shows the banner on an xrm-mock form", async () => {
    const xrm = XrmMockGenerator.initialise({ entity: { entityName: mag_xeroconnector.logicalName, id: "{0A1B2C3D-0000-4000-8000-0000000000C2}" } });
    XrmMockGenerator.Attribute.createOptionSet(mag_xeroconnector.columns.mag_xerostatus, mag_xerostatus.Disconnected);
    XrmMockGenerator.Attribute.createString(mag_xeroconnector.columns.mag_xerostatusreason, "Access revoked in Xero");
    const page = await loadAll(vm.createContext({ Xrm: xrm }));
    const onLoad = page.XeroConnector?.ConnectorForm?.onLoad as (context: Xrm.Events.EventContext) => void;
    onLoad(XrmMockGenerator.getEventContext());
    const ui = XrmMockGenerator.getFormContext().ui as unknown as { formNotifications: { uniqueId: string; level: string; message: string }[] };
    const shown = ui.formNotifications.find((n) => n.uniqueId === noticeIds.connection);
    expect(shown?.level).toBe("ERROR");
    expect(shown?.message).toMatch(/Access revoked in Xero/);
  });
});
