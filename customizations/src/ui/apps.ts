// The Xero Connector model-driven app and its site map:
// https://learn.microsoft.com/power-apps/maker/model-driven-apps/create-site-map-app
import type { AppInput } from "../schema";
import { adminRole, userRole } from "./roles";
import { icon32 } from "./web-resources";

export const apps: AppInput[] = [
  {
    uniqueName: "mag_XeroConnector",
    displayName: "Xero Connector",
    description: "Xero connector settings, data flows, reference data and sync history.",
    tables: [
      "mag_xeroconnector",
      "mag_xerodataflow",
      "mag_xerosynclog",
      "invoice",
      "mag_payment",
      "mag_creditnote",
      "mag_xeroaccountcode",
      "mag_taxrate",
      "mag_brandingtheme",
      "mag_trackingcategory",
      "mag_trackingoption",
    ],
    roles: [adminRole, userRole],
    icon: icon32,
    siteMap: [
      {
        id: "mag_xero_area",
        title: "Xero",
        groups: [
          {
            id: "mag_connection",
            title: "Connection",
            subAreas: [
              { id: "mag_connectors", title: "Xero Connectors", table: "mag_xeroconnector" },
              { id: "mag_dataflows", title: "Data Flows", table: "mag_xerodataflow" },
              { id: "mag_synclog", title: "Sync Log", table: "mag_xerosynclog" },
            ],
          },
          {
            id: "mag_transactions",
            title: "Transactions",
            subAreas: [
              { id: "mag_invoices", title: "Invoices", table: "invoice" },
              { id: "mag_payments", title: "Xero Payments", table: "mag_payment" },
              { id: "mag_creditnotes", title: "Xero Credit Notes", table: "mag_creditnote" },
            ],
          },
          {
            id: "mag_reference",
            title: "Reference Data",
            subAreas: [
              { id: "mag_accountcodes", title: "Account Codes", table: "mag_xeroaccountcode" },
              { id: "mag_taxrates", title: "Tax Rates", table: "mag_taxrate" },
              { id: "mag_brandingthemes", title: "Branding Themes", table: "mag_brandingtheme" },
              { id: "mag_trackingcategories", title: "Tracking Categories", table: "mag_trackingcategory" },
              { id: "mag_trackingoptions", title: "Tracking Options", table: "mag_trackingoption" },
            ],
          },
        ],
      },
    ],
  },
];
