// Forms. Handler names are pinned in ARCHITECTURE.md ("Web resources and their handlers"); every handler gets the
// execution context (passExecutionContext="true"):
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/clientapi-execution-context
import type { FormCell, FormInput } from "../schema";
import { connectorFormScript, invoiceFormScript } from "./web-resources";

const fields = (...columns: string[]): FormCell[] =>
  columns.map((column) => ({ kind: "field", column, readOnly: false }));
const readOnlyFields = (...columns: string[]): FormCell[] =>
  columns.map((column) => ({ kind: "field", column, readOnly: true }));

const simpleMainForm = (table: string, name: string, sections: FormInput["tabs"][number]["sections"]): FormInput => ({
  table,
  name,
  type: "main",
  tabs: [{ name: "general", label: "General", sections }],
});

export const forms: FormInput[] = [
  {
    // Our own invoice main form with the Xero tab (see customizations/README.md for why not a diff of the system form).
    table: "invoice",
    name: "Invoice (Xero)",
    type: "main",
    description: "Invoice with the Xero tab: add to Xero, sync status and the Xero links.",
    tabs: [
      {
        name: "summary",
        label: "Summary",
        sections: [
          {
            name: "invoice",
            label: "Invoice",
            cells: fields("invoicenumber", "name", "customerid", "pricelevelid", "transactioncurrencyid"),
          },
          { name: "dates", label: "Dates", cells: fields("duedate", "datedelivered", "description") },
          { name: "totals", label: "Totals", cells: readOnlyFields("totallineitemamount", "totaltax", "totalamount") },
        ],
      },
      {
        name: "mag_xero",
        label: "Xero",
        sections: [
          {
            name: "mag_xero_send",
            label: "Send to Xero",
            cells: fields(
              "mag_addtoxero",
              "mag_xeroconnectorid",
              "mag_brandingthemeid",
              "mag_reference",
              "mag_sendemailfromxero",
            ),
          },
          {
            name: "mag_xero_status",
            label: "Sync status",
            cells: readOnlyFields(
              "mag_xerosyncstatus",
              "mag_synchedwithxero",
              "mag_xeroid",
              "mag_xeropaynowlink",
              "mag_xerolastsyncedon",
              "mag_emailsentfromxero",
              "mag_xerosyncerror",
            ),
          },
        ],
      },
    ],
    libraries: [invoiceFormScript],
    handlers: [
      { event: "onload", library: invoiceFormScript, functionName: "XeroConnector.InvoiceForm.onLoad" },
      {
        event: "onchange",
        column: "mag_addtoxero",
        library: invoiceFormScript,
        functionName: "XeroConnector.InvoiceForm.onAddToXeroChange",
      },
      {
        event: "onchange",
        column: "mag_sendemailfromxero",
        library: invoiceFormScript,
        functionName: "XeroConnector.InvoiceForm.onSendEmailFromXeroChange",
      },
      { event: "onsave", library: invoiceFormScript, functionName: "XeroConnector.InvoiceForm.onSave" },
    ],
  },
  {
    table: "mag_xeroconnector",
    name: "Xero Connector",
    type: "main",
    description: "Defaults, flags, connection health and the connector's data flows.",
    tabs: [
      {
        name: "general",
        label: "General",
        sections: [
          {
            name: "settings",
            label: "Settings",
            cells: fields(
              "mag_name",
              "mag_enabled",
              "mag_isdefault",
              "mag_autoapproveinvoices",
              "mag_markinvoicesassent",
              "mag_realtimeenabled",
            ),
          },
          {
            name: "defaults",
            label: "Defaults",
            cells: fields("mag_defaultaccountcodeid", "mag_defaulttaxrateid", "mag_defaultpricelevelid"),
          },
          {
            name: "health",
            label: "Xero connection",
            cells: readOnlyFields(
              "mag_xeroorganisationname",
              "mag_xerotenantid",
              "mag_xerostatus",
              "mag_xerostatusreason",
              "mag_xerograntexpireson",
              "mag_xerocallsremainingtoday",
              "mag_lastsynchedon",
              "mag_syncrequestedon",
              "mag_lasterror",
            ),
          },
        ],
      },
      {
        name: "dataflows",
        label: "Data flows",
        sections: [
          {
            name: "dataflows",
            label: "Data flows",
            cells: [
              {
                kind: "subgrid",
                name: "mag_dataflows",
                label: "Data flows",
                table: "mag_xerodataflow",
                relationship: "mag_xeroconnector_xerodataflow_xeroconnectorid",
                view: "Active Xero Data Flows",
              },
            ],
          },
        ],
      },
    ],
    libraries: [connectorFormScript],
    handlers: [
      { event: "onload", library: connectorFormScript, functionName: "XeroConnector.ConnectorForm.onLoad" },
      {
        event: "onchange",
        column: "mag_isdefault",
        library: connectorFormScript,
        functionName: "XeroConnector.ConnectorForm.onIsDefaultChange",
      },
    ],
  },
  {
    table: "mag_xeroconnector",
    name: "Xero Connector Status",
    type: "quick",
    description: "Connection health at a glance.",
    tabs: [
      {
        name: "status",
        label: "Status",
        sections: [
          {
            name: "status",
            label: "Status",
            cells: readOnlyFields("mag_xerostatus", "mag_lastsynchedon", "mag_xerocallsremainingtoday"),
          },
        ],
      },
    ],
  },
  {
    table: "mag_xerodataflow",
    name: "Xero Data Flow",
    type: "main",
    description: "Schedule, window and last run of one data flow.",
    tabs: [
      {
        name: "general",
        label: "General",
        sections: [
          {
            name: "flow",
            label: "Flow",
            cells: fields(
              "mag_name",
              "mag_xeroconnectorid",
              "mag_flow",
              "mag_direction",
              "mag_enabled",
              "mag_intervalminutes",
              "mag_synclastxdays",
            ),
          },
          {
            name: "lastrun",
            label: "Last run",
            cells: readOnlyFields(
              "mag_lastrunon",
              "mag_lastresult",
              "mag_recordssynced",
              "mag_recordsfailed",
              "mag_lastrunmessage",
            ),
          },
        ],
      },
    ],
  },
  simpleMainForm("mag_xerosynclog", "Xero Sync Log", [
    {
      name: "record",
      label: "Record",
      cells: readOnlyFields(
        "mag_name",
        "mag_xeroconnectorid",
        "mag_flow",
        "mag_recordtable",
        "mag_recordid",
        "mag_recordname",
      ),
    },
    {
      name: "error",
      label: "Error",
      cells: readOnlyFields("mag_errorkind", "mag_errortext", "mag_occurredon", "mag_retrycount", "mag_correlationid"),
    },
  ]),
  simpleMainForm("mag_payment", "Xero Payment", [
    {
      name: "payment",
      label: "Payment",
      cells: fields(
        "mag_name",
        "mag_invoiceid",
        "mag_paymentdate",
        "mag_amount",
        "transactioncurrencyid",
        "mag_reference",
        "mag_xeroaccountcodeid",
        "mag_xeropaymentid",
        "mag_xeroconnectorid",
      ),
    },
  ]),
  simpleMainForm("mag_creditnote", "Xero Credit Note", [
    {
      name: "creditnote",
      label: "Credit note",
      cells: fields(
        "mag_name",
        "mag_invoiceid",
        "mag_creditdate",
        "mag_creditnotenumber",
        "mag_reference",
        "mag_amount",
        "transactioncurrencyid",
        "mag_xeroconnectorid",
      ),
    },
    {
      name: "xero",
      label: "Xero",
      cells: [
        ...fields("mag_addtoxero"),
        ...readOnlyFields("mag_synchedwithxero", "mag_xeroid", "mag_xerosyncstatus", "mag_xerosyncerror"),
      ],
    },
  ]),
  simpleMainForm("mag_xeroaccountcode", "Xero Account Code", [
    {
      name: "general",
      label: "Account code",
      cells: fields(
        "mag_name",
        "mag_code",
        "mag_type",
        "mag_taxtype",
        "mag_description",
        "mag_xeroaccountid",
        "mag_xeroconnectorid",
      ),
    },
  ]),
  simpleMainForm("mag_taxrate", "Xero Tax Rate", [
    {
      name: "general",
      label: "Tax rate",
      cells: fields("mag_name", "mag_taxtype", "mag_displaytaxrate", "mag_effectiverate", "mag_xeroconnectorid"),
    },
  ]),
  simpleMainForm("mag_brandingtheme", "Xero Branding Theme", [
    {
      name: "general",
      label: "Branding theme",
      cells: fields("mag_name", "mag_xerobrandingthemeid", "mag_xeroconnectorid"),
    },
  ]),
  simpleMainForm("mag_trackingcategory", "Xero Tracking Category", [
    {
      name: "general",
      label: "Tracking category",
      cells: fields("mag_name", "mag_xerostatus", "mag_xerotrackingcategoryid", "mag_xeroconnectorid"),
    },
    {
      name: "options",
      label: "Options",
      cells: [
        {
          kind: "subgrid",
          name: "mag_trackingoptions",
          label: "Tracking options",
          table: "mag_trackingoption",
          relationship: "mag_trackingcategory_trackingoption_trackingcategoryid",
          view: "Active Xero Tracking Options",
        },
      ],
    },
  ]),
  simpleMainForm("mag_trackingoption", "Xero Tracking Option", [
    {
      name: "general",
      label: "Tracking option",
      cells: fields("mag_name", "mag_trackingcategoryid", "mag_xerotrackingoptionid"),
    },
  ]),
];
