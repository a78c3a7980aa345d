import { AccountType } from "xero-node";
import { clientFor, expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

describe("Xero emulator: reference data and items through xero-node", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  it("seeds the Demo Company chart of accounts, tax rates, branding themes, tracking and currencies", async () => {
    const accounts = await h.xero.accountingApi.getAccounts(h.tenantId);
    const codes = accounts.body.accounts?.map((account) => account.code);
    expect(codes).toEqual(expect.arrayContaining(["090", "200", "260", "400", "610", "800"]));
    const sales = accounts.body.accounts?.find((account) => account.code === "200");
    expect(sales).toMatchObject({ name: "Sales", type: AccountType.REVENUE, taxType: "OUTPUT2" });
    const banks = await h.xero.accountingApi.getAccounts(
      h.tenantId,
      undefined,
      'Type=="BANK" && Status=="ACTIVE"',
      "Code DESC",
    );
    expect(banks.body.accounts?.map((account) => account.code)).toEqual(["091", "090"]);

    const rates = await h.xero.accountingApi.getTaxRates(h.tenantId);
    const byType = new Map(rates.body.taxRates?.map((rate) => [rate.taxType, rate]));
    expect(byType.get("OUTPUT2")).toMatchObject({ name: "15% GST on Income", effectiveRate: 15 });
    expect(byType.get("INPUT2")?.name).toBe("15% GST on Expenses");
    expect(byType.get("NONE")?.name).toBe("No GST");
    const filtered = await h.xero.accountingApi.getTaxRates(h.tenantId, 'TaxType=="OUTPUT2"');
    expect(filtered.body.taxRates).toHaveLength(1);

    const themes = await h.xero.accountingApi.getBrandingThemes(h.tenantId);
    expect(themes.body.brandingThemes?.[0]?.name).toBe("Standard");
    const theme = await h.xero.accountingApi.getBrandingTheme(
      h.tenantId,
      themes.body.brandingThemes?.[0]?.brandingThemeID ?? "",
    );
    expect(theme.body.brandingThemes?.[0]?.name).toBe("Standard");

    const tracking = await h.xero.accountingApi.getTrackingCategories(h.tenantId);
    expect(
      tracking.body.trackingCategories?.map((category) => [
        category.name,
        category.options?.map((option) => option.name),
      ]),
    ).toEqual([["Region", ["North", "South"]]]);

    const currencies = await h.xero.accountingApi.getCurrencies(h.tenantId);
    expect(currencies.body.currencies?.map((currency) => currency.code)).toContain("NZD");
    const organisation = await h.xero.accountingApi.getOrganisations(h.tenantId);
    expect(organisation.body.organisations?.[0]).toMatchObject({ name: "Demo Company (NZ)", baseCurrency: "NZD" });
  });

  it("adds an account with a unique code, a tracking category with options, and refuses duplicates", async () => {
    const created = await h.xero.accountingApi.createAccount(h.tenantId, {
      code: "201",
      name: "Services",
      type: AccountType.REVENUE,
      taxType: "OUTPUT2",
    });
    expect(created.body.accounts?.[0]?.code).toBe("201");
    const duplicate = await rejectionOf(
      h.xero.accountingApi.createAccount(h.tenantId, { code: "200", name: "Sales Again", type: AccountType.REVENUE }),
    );
    expect(JSON.stringify(duplicate.body)).toContain("Please enter a unique Code.");
    const category = await h.xero.accountingApi.createTrackingCategory(h.tenantId, { name: "Project" });
    const categoryId = category.body.trackingCategories?.[0]?.trackingCategoryID ?? "";
    const option = await h.xero.accountingApi.createTrackingOptions(h.tenantId, categoryId, { name: "Apollo" });
    expect(option.body.options?.[0]?.name).toBe("Apollo");
    const third = await rejectionOf(h.xero.accountingApi.createTrackingCategory(h.tenantId, { name: "Third" }));
    expect(JSON.stringify(third.body)).toContain("2 active tracking categories");
  });

  it("creates items with unique codes and fills invoice lines from them", async () => {
    const created = await h.xero.accountingApi.createItems(h.tenantId, {
      items: [
        {
          code: "GB1",
          name: "Golf balls",
          description: "Golf balls - white",
          salesDetails: { unitPrice: 5, accountCode: "200", taxType: "OUTPUT2" },
        },
      ],
    });
    expect(created.body.items?.[0]?.code).toBe("GB1");
    const duplicate = await rejectionOf(
      h.xero.accountingApi.createItems(h.tenantId, { items: [{ code: "GB1", name: "Again" }] }),
    );
    expect(JSON.stringify(duplicate.body)).toContain("Item code 'GB1' already exists.");
    const updated = await h.xero.accountingApi.updateOrCreateItems(h.tenantId, {
      items: [{ code: "GB1", name: "Golf balls (12)" }],
    });
    expect(updated.body.items?.[0]?.itemID).toBe(created.body.items?.[0]?.itemID);
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Golfer" }] });
    const invoice = await h.xero.accountingApi.createInvoices(h.tenantId, {
      invoices: [
        {
          type: "ACCREC" as never,
          contact: { contactID: contact.body.contacts?.[0]?.contactID ?? "" },
          lineItems: [{ itemCode: "GB1", quantity: 2 }],
        },
      ],
    });
    const line = invoice.body.invoices?.[0]?.lineItems?.[0];
    expect(line).toMatchObject({
      description: "Golf balls - white",
      unitAmount: 5,
      accountCode: "200",
      taxType: "OUTPUT2",
      lineAmount: 10,
    });
    const items = await h.xero.accountingApi.getItems(h.tenantId, undefined, 'Code=="GB1"');
    expect(items.body.items?.[0]?.name).toBe("Golf balls (12)");
    const one = await h.xero.accountingApi.getItem(h.tenantId, "GB1");
    expect(one.body.items?.[0]?.code).toBe("GB1");
  });

  it("keeps organisations apart", async () => {
    const other = h.emulator.createOrganisation({ name: "Second Org", baseCurrency: "AUD" });
    const xero = clientFor(h.emulator, [h.tenantId, other.tenantId]);
    await xero.accountingApi.createContacts(other.tenantId, { contacts: [{ name: "Only In Second" }] });
    const mine = await xero.accountingApi.getContacts(h.tenantId, undefined, 'Name=="Only In Second"');
    expect(mine.body.contacts).toEqual([]);
    const theirs = await xero.accountingApi.getOrganisations(other.tenantId);
    expect(theirs.body.organisations?.[0]).toMatchObject({ name: "Second Org", baseCurrency: "AUD" });
  });
});
