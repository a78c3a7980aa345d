// Dataverse's own tables that the service reads and writes, with their real logical names, types, entity sets and
// navigation properties (the subset of columns we touch, plus the system columns). They are not created by the
// solution; invoice, invoicedetail, account and contact are in it because it adds columns, forms, views or commands.
// References: https://learn.microsoft.com/dynamics365/sales/developer/entities/invoice ,
// https://learn.microsoft.com/dynamics365/sales/developer/entities/invoicedetail ,
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/account (…/contact, …/product,
// …/pricelevel, …/productpricelevel, …/transactioncurrency, …/uom, …/uomschedule, …/systemuser, …/businessunit,
// …/organization, …/team).
import {
  activeInactive,
  createOnly,
  customer,
  customLookup,
  dateOnly,
  dateTime,
  decimal,
  localChoice,
  lookup,
  memo,
  money,
  readOnly,
  required,
  systemColumns,
  target,
  text,
  uniqueId,
  whole,
  yesNo,
  choice,
} from "../columns";
import type { ColumnInput, TableInput } from "../schema";

interface StandardTableSpec {
  logicalName: string;
  schemaName: string;
  displayName: string;
  pluralName: string;
  entitySetName: string;
  primaryNameAttribute: string;
  ownershipType: "UserOwned" | "OrganizationOwned";
  inSolution?: boolean;
  columns: ColumnInput[];
  /** Tables without owner / audit columns of the usual shape (organization) pass false. */
  systemColumns?: boolean;
  keys?: TableInput["keys"];
}

const standardTable = (spec: StandardTableSpec): TableInput => ({
  logicalName: spec.logicalName,
  schemaName: spec.schemaName,
  displayName: spec.displayName,
  pluralName: spec.pluralName,
  entitySetName: spec.entitySetName,
  primaryIdAttribute: `${spec.logicalName}id`,
  primaryNameAttribute: spec.primaryNameAttribute,
  isCustomEntity: false,
  ownershipType: spec.ownershipType,
  inSolution: spec.inSolution ?? false,
  columns: [
    uniqueId(`${spec.schemaName}Id`, spec.displayName, createOnly),
    ...spec.columns,
    ...(spec.systemColumns === false
      ? []
      : systemColumns(spec.logicalName, spec.entitySetName, spec.ownershipType, false)),
  ],
  keys: spec.keys ?? [],
});

/** Address columns shared by account and contact (address 1 = street, address 2 = PO box in the Xero mapping). */
const addressColumns = (n: 1 | 2): ColumnInput[] => [
  text(`Address${n}_Line1`, `Address ${n}: Street 1`, 250),
  text(`Address${n}_Line2`, `Address ${n}: Street 2`, 250),
  text(`Address${n}_Line3`, `Address ${n}: Street 3`, 250),
  text(`Address${n}_City`, `Address ${n}: City`, 80),
  text(`Address${n}_PostalCode`, `Address ${n}: ZIP/Postal Code`, 20),
  text(`Address${n}_StateOrProvince`, `Address ${n}: State/Province`, 50),
  text(`Address${n}_Country`, `Address ${n}: Country/Region`, 80),
  text(`Address${n}_Composite`, `Address ${n}`, 1000, readOnly),
];

/** Bill-to / ship-to address columns of the invoice. */
const postalColumns = (prefix: "BillTo" | "ShipTo", label: string): ColumnInput[] => [
  text(`${prefix}_Name`, `${label} Name`, 200),
  text(`${prefix}_Line1`, `${label} Street 1`, 250),
  text(`${prefix}_Line2`, `${label} Street 2`, 250),
  text(`${prefix}_Line3`, `${label} Street 3`, 250),
  text(`${prefix}_City`, `${label} City`, 80),
  text(`${prefix}_StateOrProvince`, `${label} State/Province`, 50),
  text(`${prefix}_PostalCode`, `${label} ZIP/Postal Code`, 20),
  text(`${prefix}_Country`, `${label} Country/Region`, 80),
  text(`${prefix}_Telephone`, `${label} Phone`, 50),
  text(`${prefix}_Fax`, `${label} Fax`, 50),
];

const currency = (table: string): ColumnInput =>
  lookup("TransactionCurrencyId", "Currency", [
    target("transactioncurrency", "transactioncurrencyid", `transactioncurrency_${table}`),
  ]);

const invoice = standardTable({
  logicalName: "invoice",
  schemaName: "Invoice",
  displayName: "Invoice",
  pluralName: "Invoices",
  entitySetName: "invoices",
  primaryNameAttribute: "name",
  ownershipType: "UserOwned",
  inSolution: true,
  columns: [
    text("Name", "Name", 300, required),
    text("InvoiceNumber", "Invoice ID", 100, { requiredLevel: "SystemRequired" }),
    memo("Description", "Description", 2000),
    customer(
      "CustomerId",
      "Customer",
      [
        target("account", "customerid_account", "invoice_customer_accounts"),
        target("contact", "customerid_contact", "invoice_customer_contacts"),
      ],
      { requiredLevel: "SystemRequired" },
    ),
    lookup("PriceLevelId", "Price List", [target("pricelevel", "pricelevelid", "price_level_invoices")], required),
    currency("invoice"),
    decimal("ExchangeRate", "Exchange Rate", 10, readOnly),
    dateOnly("DueDate", "Due Date", "UserLocal"),
    dateOnly("DateDelivered", "Date Delivered", "UserLocal"),
    yesNo("IsPriceLocked", "Prices Locked", readOnly),
    money("TotalAmount", "Total Amount", readOnly),
    money("TotalAmount_Base", "Total Amount (Base)", readOnly),
    money("TotalAmountLessFreight", "Total Pre-Freight Amount", readOnly),
    money("TotalLineItemAmount", "Total Detail Amount", readOnly),
    money("TotalTax", "Total Tax", readOnly),
    money("TotalDiscountAmount", "Total Discount Amount", readOnly),
    money("TotalLineItemDiscountAmount", "Total Line Item Discount Amount", readOnly),
    money("DiscountAmount", "Invoice Discount Amount"),
    decimal("DiscountPercentage", "Invoice Discount (%)", 2),
    money("FreightAmount", "Freight Amount"),
    ...postalColumns("BillTo", "Bill To"),
    ...postalColumns("ShipTo", "Ship To"),
    yesNo("WillCall", "Ship To (Will Call)"),
    localChoice("PaymentTermsCode", "Payment Terms", [
      { value: 1, label: "Net 30" },
      { value: 2, label: "2% 10, Net 30", key: "TwoPercent10Net30" },
      { value: 3, label: "Net 45" },
      { value: 4, label: "Net 60" },
    ]),
    dateOnly("LastBackofficeSubmit", "Last Submitted to Back Office", "UserLocal"),
    {
      logicalName: "statecode",
      schemaName: "StateCode",
      displayName: "Status",
      type: "State",
      requiredLevel: "SystemRequired",
      options: [
        { value: 0, label: "Active" },
        { value: 1, label: "Closed (deprecated)", key: "Closed" },
        { value: 2, label: "Paid" },
        { value: 3, label: "Canceled" },
      ],
    },
    {
      logicalName: "statuscode",
      schemaName: "StatusCode",
      displayName: "Status Reason",
      type: "Status",
      options: [
        { value: 1, label: "New", state: 0 },
        { value: 2, label: "Partially Shipped", state: 0 },
        { value: 4, label: "Billed", state: 0 },
        { value: 5, label: "Booked (applies to services)", key: "Booked", state: 0 },
        { value: 6, label: "Installed (applies to services)", key: "Installed", state: 0 },
        { value: 3, label: "Canceled (deprecated)", key: "CanceledDeprecated", state: 1 },
        { value: 7, label: "Paid in Full (deprecated)", key: "PaidInFullDeprecated", state: 1 },
        { value: 100001, label: "Complete", state: 2 },
        { value: 100002, label: "Partial", state: 2 },
        { value: 100003, label: "Canceled", state: 3 },
      ],
    },
    // Columns the solution adds.
    yesNo("mag_AddToXero", "Add To Xero"),
    yesNo("mag_SynchedWithXero", "Synched With Xero"),
    text("mag_XeroId", "Xero Id", 50),
    text("mag_XeroPayNowLink", "Xero Pay Now Link", 1000, { format: "Url" }),
    customLookup("invoice", "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
    customLookup("invoice", "mag_BrandingThemeId", "Branding Theme", "mag_brandingtheme"),
    text("mag_Reference", "Reference", 255),
    yesNo("mag_SendEmailFromXero", "Send Email From Xero"),
    yesNo("mag_EmailSentFromXero", "Email Sent From Xero"),
    choice("mag_XeroSyncStatus", "Xero Sync Status", "mag_xerosyncstatus"),
    memo("mag_XeroSyncError", "Xero Sync Error", 4000),
    dateTime("mag_XeroLastSyncedOn", "Xero Last Synced On"),
    whole(
      "mag_XeroPushAttempt",
      "Xero Push Attempt",
      { min: 0 },
      {
        description: "Counts pushes of this invoice to Xero; part of the Idempotency-Key.",
      },
    ),
  ],
  keys: [{ schemaName: "mag_Invoice_XeroIdKey", displayName: "Xero Id", columns: ["mag_xeroid"] }],
});

const invoiceDetail = standardTable({
  logicalName: "invoicedetail",
  schemaName: "InvoiceDetail",
  displayName: "Invoice Product",
  pluralName: "Invoice Products",
  entitySetName: "invoicedetails",
  primaryNameAttribute: "invoicedetailname",
  ownershipType: "UserOwned",
  inSolution: true,
  columns: [
    text("InvoiceDetailName", "Name", 500, readOnly),
    lookup("InvoiceId", "Invoice", [target("invoice", "invoiceid", "invoice_details")], {
      requiredLevel: "SystemRequired",
      validForUpdate: false,
    }),
    lookup("ProductId", "Existing Product", [target("product", "productid", "product_invoice_details")]),
    text("ProductDescription", "Write-In Product", 500),
    yesNo("IsProductOverridden", "Select Product", createOnly),
    yesNo("IsPriceOverridden", "Pricing"),
    memo("Description", "Description", 2000),
    decimal("Quantity", "Quantity", 5, required),
    money("PricePerUnit", "Price Per Unit"),
    money("BaseAmount", "Amount", readOnly),
    money("ExtendedAmount", "Extended Amount", readOnly),
    money("Tax", "Tax"),
    money("ManualDiscountAmount", "Manual Discount"),
    money("VolumeDiscountAmount", "Volume Discount", readOnly),
    money("PricePerUnit_Base", "Price Per Unit (Base)", readOnly),
    money("BaseAmount_Base", "Amount (Base)", readOnly),
    money("ExtendedAmount_Base", "Extended Amount (Base)", readOnly),
    money("Tax_Base", "Tax (Base)", readOnly),
    money("ManualDiscountAmount_Base", "Manual Discount (Base)", readOnly),
    lookup("SalesRepId", "Salesperson", [target("systemuser", "salesrepid", "system_user_invoicedetail")]),
    lookup("UoMId", "Unit", [target("uom", "uomid", "unit_of_measurement_invoice_details")]),
    currency("invoicedetail"),
    decimal("ExchangeRate", "Exchange Rate", 10, readOnly),
    whole("LineItemNumber", "Line Item Number", { min: 0, max: 1000000000 }),
    whole("SequenceNumber", "Sequence Number", { min: 0 }, readOnly),
    dateOnly("ActualDeliveryOn", "Delivered On", "UserLocal"),
    // Columns the solution adds.
    customLookup("invoicedetail", "mag_XeroAccountCodeId", "Xero Account Code", "mag_xeroaccountcode"),
    customLookup("invoicedetail", "mag_TaxRateId", "Tax Rate", "mag_taxrate"),
  ],
});

const account = standardTable({
  logicalName: "account",
  schemaName: "Account",
  displayName: "Account",
  pluralName: "Accounts",
  entitySetName: "accounts",
  primaryNameAttribute: "name",
  ownershipType: "UserOwned",
  inSolution: true,
  columns: [
    text("Name", "Account Name", 160, required),
    text("AccountNumber", "Account Number", 20),
    memo("Description", "Description", 2000),
    text("EMailAddress1", "Email", 100, { format: "Email" }),
    text("EMailAddress2", "Email Address 2", 100, { format: "Email" }),
    text("Telephone2", "Other Phone", 50, { format: "Phone" }),
    money("CreditLimit", "Credit Limit"),
    text("WebSiteURL", "Website", 200, { format: "Url" }),
    text("Telephone1", "Main Phone", 50, { format: "Phone" }),
    text("Fax", "Fax", 50),
    ...addressColumns(1),
    ...addressColumns(2),
    lookup("PrimaryContactId", "Primary Contact", [target("contact", "primarycontactid", "account_primary_contact")]),
    lookup("ParentAccountId", "Parent Account", [target("account", "parentaccountid", "account_parent_account")]),
    lookup("DefaultPriceLevelId", "Price List", [target("pricelevel", "defaultpricelevelid", "price_level_accounts")]),
    currency("account"),
    ...activeInactive(),
    text("mag_XeroContactId", "Xero Contact Id", 50),
  ],
  keys: [{ schemaName: "mag_Account_XeroContactKey", displayName: "Xero Contact Id", columns: ["mag_xerocontactid"] }],
});

const contact = standardTable({
  logicalName: "contact",
  schemaName: "Contact",
  displayName: "Contact",
  pluralName: "Contacts",
  entitySetName: "contacts",
  primaryNameAttribute: "fullname",
  ownershipType: "UserOwned",
  inSolution: true,
  columns: [
    text("FullName", "Full Name", 160, readOnly),
    text("FirstName", "First Name", 50),
    text("LastName", "Last Name", 50, required),
    text("JobTitle", "Job Title", 100),
    memo("Description", "Description", 2000),
    text("EMailAddress1", "Email", 100, { format: "Email" }),
    text("EMailAddress2", "Email Address 2", 100, { format: "Email" }),
    text("Telephone2", "Home Phone", 50, { format: "Phone" }),
    text("Telephone1", "Business Phone", 50, { format: "Phone" }),
    text("MobilePhone", "Mobile Phone", 50, { format: "Phone" }),
    text("Fax", "Fax", 50),
    ...addressColumns(1),
    ...addressColumns(2),
    customer("ParentCustomerId", "Company Name", [
      target("account", "parentcustomerid_account", "contact_customer_accounts"),
      target("contact", "parentcustomerid_contact", "contact_customer_contacts"),
    ]),
    lookup("DefaultPriceLevelId", "Price List", [target("pricelevel", "defaultpricelevelid", "price_level_contacts")]),
    currency("contact"),
    ...activeInactive(),
    text("mag_XeroContactId", "Xero Contact Id", 50),
  ],
  keys: [{ schemaName: "mag_Contact_XeroContactKey", displayName: "Xero Contact Id", columns: ["mag_xerocontactid"] }],
});

const product = standardTable({
  logicalName: "product",
  schemaName: "Product",
  displayName: "Product",
  pluralName: "Products",
  entitySetName: "products",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  columns: [
    text("Name", "Name", 100, required),
    text("ProductNumber", "Product ID", 100, required),
    memo("Description", "Description", 2000),
    lookup(
      "DefaultUoMScheduleId",
      "Unit Group",
      [target("uomschedule", "defaultuomscheduleid", "unit_of_measurement_schedule_products")],
      required,
    ),
    lookup("DefaultUoMId", "Default Unit", [target("uom", "defaultuomid", "unit_of_measurement_products")], required),
    lookup("PriceLevelId", "Default Price List", [target("pricelevel", "pricelevelid", "price_level_products")]),
    whole("QuantityDecimal", "Decimals Supported", { min: 0, max: 5 }, required),
    money("Price", "List Price"),
    money("StandardCost", "Standard Cost"),
    money("CurrentCost", "Current Cost"),
    currency("product"),
    localChoice("ProductStructure", "Product Structure", [
      { value: 1, label: "Product" },
      { value: 2, label: "Product Family" },
      { value: 3, label: "Product Bundle" },
    ]),
    {
      logicalName: "statecode",
      schemaName: "StateCode",
      displayName: "Status",
      type: "State",
      requiredLevel: "SystemRequired",
      options: [
        { value: 0, label: "Active" },
        { value: 1, label: "Retired" },
        { value: 2, label: "Draft" },
        { value: 3, label: "Under Revision" },
      ],
    },
    {
      logicalName: "statuscode",
      schemaName: "StatusCode",
      displayName: "Status Reason",
      type: "Status",
      options: [
        { value: 1, label: "Active", state: 0 },
        { value: 2, label: "Retired", state: 1 },
        { value: 0, label: "Draft", state: 2 },
        { value: 3, label: "Under Revision", state: 3 },
      ],
    },
  ],
});

const priceLevel = standardTable({
  logicalName: "pricelevel",
  schemaName: "PriceLevel",
  displayName: "Price List",
  pluralName: "Price Lists",
  entitySetName: "pricelevels",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  columns: [
    text("Name", "Name", 100, required),
    memo("Description", "Description", 2000),
    lookup(
      "TransactionCurrencyId",
      "Currency",
      [target("transactioncurrency", "transactioncurrencyid", "transactioncurrency_pricelevel")],
      required,
    ),
    dateOnly("BeginDate", "Start Date", "UserLocal"),
    dateOnly("EndDate", "End Date", "UserLocal"),
    ...activeInactive([100001, 100002]),
  ],
});

const productPriceLevel = standardTable({
  logicalName: "productpricelevel",
  schemaName: "ProductPriceLevel",
  displayName: "Price List Item",
  pluralName: "Price List Items",
  entitySetName: "productpricelevels",
  // Dataverse reports OwnershipType None (a child of its price list); the metadata contract knows two kinds.
  primaryNameAttribute: "productidname",
  ownershipType: "OrganizationOwned",
  columns: [
    text("ProductIdName", "Product", 100, readOnly),
    text("ProductNumber", "Product ID", 100, readOnly),
    lookup("PriceLevelId", "Price List", [target("pricelevel", "pricelevelid", "price_level_product_price_levels")], {
      requiredLevel: "SystemRequired",
    }),
    lookup("ProductId", "Product", [target("product", "productid", "product_price_levels")], {
      requiredLevel: "SystemRequired",
    }),
    lookup("UoMId", "Unit", [target("uom", "uomid", "unit_of_measurement_product_price_level")], {
      requiredLevel: "SystemRequired",
    }),
    lookup(
      "UoMScheduleId",
      "Unit Schedule ID",
      [target("uomschedule", "uomscheduleid", "unit_of_measure_schedule_product_price_level")],
      readOnly,
    ),
    money("Amount", "Amount"),
    localChoice(
      "PricingMethodCode",
      "Pricing Method",
      [
        { value: 1, label: "Currency Amount" },
        { value: 2, label: "Percent of List" },
        { value: 3, label: "Percent Markup - Current Cost", key: "PercentMarkupCurrentCost" },
        { value: 4, label: "Percent Margin - Current Cost", key: "PercentMarginCurrentCost" },
        { value: 5, label: "Percent Markup - Standard Cost", key: "PercentMarkupStandardCost" },
        { value: 6, label: "Percent Margin - Standard Cost", key: "PercentMarginStandardCost" },
      ],
      required,
    ),
    localChoice("QuantitySellingCode", "Quantity Selling Option", [
      { value: 1, label: "No Control" },
      { value: 2, label: "Whole" },
      { value: 3, label: "Whole and Fractional" },
    ]),
    currency("productpricelevel"),
  ],
});

const transactionCurrency = standardTable({
  logicalName: "transactioncurrency",
  schemaName: "TransactionCurrency",
  displayName: "Currency",
  pluralName: "Currencies",
  entitySetName: "transactioncurrencies",
  primaryNameAttribute: "currencyname",
  ownershipType: "OrganizationOwned",
  columns: [
    text("CurrencyName", "Currency Name", 100, required),
    text("ISOCurrencyCode", "Currency Code", 5, { requiredLevel: "SystemRequired", validForUpdate: false }),
    text("CurrencySymbol", "Currency Symbol", 13, required),
    decimal("ExchangeRate", "Exchange Rate", 10, required),
    whole("CurrencyPrecision", "Currency Precision", { min: 0, max: 4 }, required),
    ...activeInactive(),
  ],
});

const uom = standardTable({
  logicalName: "uom",
  schemaName: "UoM",
  displayName: "Unit",
  pluralName: "Units",
  entitySetName: "uoms",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  columns: [
    text("Name", "Name", 100, required),
    lookup(
      "UoMScheduleId",
      "Unit Schedule",
      [target("uomschedule", "uomscheduleid", "unit_of_measure_schedule_conversions")],
      { requiredLevel: "SystemRequired", validForUpdate: false },
    ),
    lookup("BaseUoM", "Base Unit", [target("uom", "baseuom", "unit_of_measurement_base_unit")], {
      requiredLevel: "SystemRequired",
    }),
    decimal("Quantity", "Quantity", 5, required),
    yesNo("IsScheduleBaseUoM", "Is Schedule Base Unit", readOnly),
  ],
});

const uomSchedule = standardTable({
  logicalName: "uomschedule",
  schemaName: "UoMSchedule",
  displayName: "Unit Group",
  pluralName: "Unit Groups",
  entitySetName: "uomschedules",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  columns: [
    text("Name", "Name", 200, required),
    text("BaseUoMName", "Base Unit Name", 100, createOnly),
    memo("Description", "Description", 2000),
    ...activeInactive(),
  ],
});

const systemUser = standardTable({
  logicalName: "systemuser",
  schemaName: "SystemUser",
  displayName: "User",
  pluralName: "Users",
  entitySetName: "systemusers",
  primaryNameAttribute: "fullname",
  ownershipType: "OrganizationOwned",
  systemColumns: false,
  columns: [
    text("FullName", "Full Name", 200, readOnly),
    text("FirstName", "First Name", 256),
    text("LastName", "Last Name", 256),
    text("DomainName", "User Name", 1024),
    text("InternalEMailAddress", "Primary Email", 100, { format: "Email" }),
    uniqueId("ApplicationId", "Application ID"),
    uniqueId("AzureActiveDirectoryObjectId", "Azure AD Object ID", readOnly),
    yesNo("IsDisabled", "Status", readOnly),
    lookup(
      "BusinessUnitId",
      "Business Unit",
      [target("businessunit", "businessunitid", "business_unit_system_users")],
      { requiredLevel: "SystemRequired" },
    ),
    dateTime("CreatedOn", "Created On", readOnly),
    dateTime("ModifiedOn", "Modified On", readOnly),
  ],
});

const businessUnit = standardTable({
  logicalName: "businessunit",
  schemaName: "BusinessUnit",
  displayName: "Business Unit",
  pluralName: "Business Units",
  entitySetName: "businessunits",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  systemColumns: false,
  columns: [
    text("Name", "Name", 160, { requiredLevel: "SystemRequired" }),
    lookup("ParentBusinessUnitId", "Parent Business", [
      target("businessunit", "parentbusinessunitid", "business_unit_parent_business_unit"),
    ]),
    yesNo("IsDisabled", "Is Disabled", readOnly),
    dateTime("CreatedOn", "Created On", readOnly),
    dateTime("ModifiedOn", "Modified On", readOnly),
  ],
});

const organization = standardTable({
  logicalName: "organization",
  schemaName: "Organization",
  displayName: "Organization",
  pluralName: "Organizations",
  entitySetName: "organizations",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  systemColumns: false,
  columns: [
    text("Name", "Organization Name", 160, readOnly),
    lookup(
      "BaseCurrencyId",
      "Currency",
      [target("transactioncurrency", "basecurrencyid", "basecurrency_organization")],
      readOnly,
    ),
    whole("LanguageCode", "Language", { min: 0 }, readOnly),
    dateTime("CreatedOn", "Created On", readOnly),
    dateTime("ModifiedOn", "Modified On", readOnly),
  ],
});

const team = standardTable({
  logicalName: "team",
  schemaName: "Team",
  displayName: "Team",
  pluralName: "Teams",
  entitySetName: "teams",
  primaryNameAttribute: "name",
  ownershipType: "OrganizationOwned",
  systemColumns: false,
  columns: [
    text("Name", "Team Name", 160, { requiredLevel: "SystemRequired" }),
    lookup("BusinessUnitId", "Business Unit", [target("businessunit", "businessunitid", "business_unit_teams")], {
      requiredLevel: "SystemRequired",
    }),
    localChoice(
      "TeamType",
      "Team Type",
      [
        { value: 0, label: "Owner" },
        { value: 1, label: "Access" },
        { value: 2, label: "Security Group" },
        { value: 3, label: "Office Group" },
      ],
      createOnly,
    ),
    dateTime("CreatedOn", "Created On", readOnly),
    dateTime("ModifiedOn", "Modified On", readOnly),
  ],
});

export const standardTables: TableInput[] = [
  invoice,
  invoiceDetail,
  account,
  contact,
  product,
  priceLevel,
  productPriceLevel,
  transactionCurrency,
  uom,
  uomSchedule,
  systemUser,
  businessUnit,
  organization,
  team,
];
