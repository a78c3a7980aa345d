// "Additional reference data" of the reference docs: what each reference table carries between the systems.
// Xero → Dynamics 365: account codes, tax rates, branding themes, tracking categories and options (matched on name,
// per connector). Dynamics 365 → Xero: products as items (matched on product number).
// Xero: https://developer.xero.com/documentation/api/accounting/accounts, …/taxrates, …/brandingthemes,
// …/trackingcategories, …/items
import type { MappingTable } from "./engine";

export const accountCodeFromXero: MappingTable = {
  name: "Xero Account Codes",
  source: "Additional reference data › Xero Account Codes: Xero to Dynamics 365",
  rows: [
    { dynamics: "mag_name", model: "name", xero: "Name", note: "matches on" },
    { dynamics: "mag_description", model: "description", xero: "Description" },
    { dynamics: "mag_type", model: "type", xero: "Type" },
    { dynamics: "mag_code", model: "code", xero: "Code" },
    { dynamics: "mag_taxtype", model: "taxType", xero: "TaxType" },
    { dynamics: "mag_xeroaccountid", model: "xeroAccountId", xero: "AccountID" },
    { model: "status", xero: "Status" },
  ],
};

export const taxRateFromXero: MappingTable = {
  name: "Tax Rates",
  source: "Additional reference data › Tax Rates: Xero to Dynamics 365",
  rows: [
    { dynamics: "mag_name", model: "name", xero: "Name", note: "matches on" },
    { dynamics: "mag_taxtype", model: "taxType", xero: "TaxType" },
    { dynamics: "mag_displaytaxrate", model: "displayTaxRate", xero: "DisplayTaxRate" },
    { dynamics: "mag_effectiverate", model: "effectiveRate", xero: "EffectiveRate" },
    { model: "status", xero: "Status" },
  ],
};

export const brandingThemeFromXero: MappingTable = {
  name: "Branding Themes",
  source: "Additional reference data › Branding Themes: Xero to Dynamics 365",
  rows: [
    { dynamics: "mag_name", model: "name", xero: "Name", note: "matches on" },
    { dynamics: "mag_xerobrandingthemeid", model: "xeroBrandingThemeId", xero: "BrandingThemeID" },
  ],
};

export const trackingOptionFromXero: MappingTable = {
  name: "Tracking Options",
  source: "Additional reference data › Tracking Options",
  rows: [
    { dynamics: "mag_name", model: "name", xero: "Name", note: "matches on" },
    { dynamics: "mag_xerotrackingoptionid", model: "xeroTrackingOptionId", xero: "TrackingOptionID" },
    { model: "status", xero: "Status" },
  ],
};

export const trackingCategoryFromXero: MappingTable = {
  name: "Tracking Categories",
  source: "Additional reference data › Tracking Categories: Xero to Dynamics 365",
  rows: [
    { dynamics: "mag_name", model: "name", xero: "Name", note: "matches on" },
    { dynamics: "mag_xerotrackingcategoryid", model: "xeroTrackingCategoryId", xero: "TrackingCategoryID" },
    { dynamics: "mag_xerostatus", model: "status", xero: "Status" },
    {
      model: "options",
      xero: "Options",
      each: trackingOptionFromXero,
      note: "Tracking Options: Name (matches on), Tracking Category",
    },
  ],
};

export const productToXeroItem: MappingTable = {
  name: "Products (Items)",
  source: "Additional reference data › Products (Items): Dynamics 365 to Xero",
  rows: [
    { dynamics: "productid", model: "dynamicsId" },
    { dynamics: "productnumber", model: "code", xero: "Code", note: "matches on" },
    { dynamics: "name", model: "name", xero: "Name" },
    { model: "xeroItemId", xero: "ItemID" },
  ],
};
