// The system tables the real-time add-on writes to register its Dataverse webhook (a service endpoint, a step per
// message, a post-image). Not part of the solution; the emulator enforces them.
// Register a webhook: https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
// Tables: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/serviceendpoint ,
// …/sdkmessageprocessingstep , …/sdkmessageprocessingstepimage , …/sdkmessage , …/sdkmessagefilter
import {
  createOnly,
  dateTime,
  entityName,
  localChoice,
  lookup,
  memo,
  readOnly,
  required,
  target,
  text,
  uniqueId,
  whole,
  yesNo,
} from "../columns";
import type { ColumnInput, TableInput } from "../schema";

const audit = (): ColumnInput[] => [
  dateTime("CreatedOn", "Created On", readOnly),
  dateTime("ModifiedOn", "Modified On", readOnly),
];

const systemTable = (
  logicalName: string,
  schemaName: string,
  displayName: string,
  entitySetName: string,
  primaryNameAttribute: string,
  columns: ColumnInput[],
): TableInput => ({
  logicalName,
  schemaName,
  displayName,
  pluralName: `${displayName}s`,
  entitySetName,
  primaryIdAttribute: `${logicalName}id`,
  primaryNameAttribute,
  isCustomEntity: false,
  ownershipType: "OrganizationOwned",
  inSolution: false,
  columns: [uniqueId(`${schemaName}Id`, displayName, createOnly), ...columns, ...audit()],
  keys: [],
});

export const systemTables: TableInput[] = [
  systemTable("serviceendpoint", "ServiceEndpoint", "Service Endpoint", "serviceendpoints", "name", [
    text("Name", "Name", 256, { requiredLevel: "SystemRequired" }),
    memo("Description", "Description", 2000),
    localChoice(
      "Contract",
      "Contract",
      [
        { value: 1, label: "OneWay" },
        { value: 2, label: "Queue" },
        { value: 3, label: "Rest" },
        { value: 4, label: "TwoWay" },
        { value: 5, label: "Topic" },
        { value: 6, label: "Queue (Persistent)", key: "QueuePersistent" },
        { value: 7, label: "Event Hub" },
        { value: 8, label: "Webhook" },
        { value: 9, label: "Event Grid" },
      ],
      { requiredLevel: "SystemRequired" },
    ),
    text("Url", "Url Address", 2000, { format: "Url" }),
    localChoice("AuthType", "Specifies mode of authentication with SB", [
      { value: 1, label: "ACS" },
      { value: 2, label: "SAS Key" },
      { value: 3, label: "SAS Token" },
      { value: 4, label: "Webhook Key" },
      { value: 5, label: "Http Header" },
      { value: 6, label: "Http Query String" },
    ]),
    memo("AuthValue", "Authentication Value", 4000, { description: "Write-only: Dataverse never returns it." }),
    localChoice("MessageFormat", "Message Format", [
      { value: 1, label: "Binary XML" },
      { value: 2, label: "Json" },
      { value: 3, label: "Text XML" },
    ]),
    localChoice("UserClaim", "User Information Sent to Service Bus", [
      { value: 1, label: "None" },
      { value: 2, label: "UserId" },
      { value: 3, label: "UserInfo" },
    ]),
    localChoice("ConnectionMode", "Connection Mode", [
      { value: 1, label: "Normal" },
      { value: 2, label: "Federated" },
    ]),
  ]),
  systemTable("sdkmessage", "SdkMessage", "Sdk Message", "sdkmessages", "name", [
    text("Name", "Name", 256, readOnly),
    whole("Availability", "Availability", {}, readOnly),
    yesNo("IsPrivate", "Is Private", readOnly),
  ]),
  systemTable("sdkmessagefilter", "SdkMessageFilter", "Sdk Message Filter", "sdkmessagefilters", "name", [
    text("Name", "Name", 256, readOnly),
    lookup(
      "SdkMessageId",
      "SDK Message ID",
      [target("sdkmessage", "sdkmessageid", "sdkmessageid_sdkmessagefilter")],
      readOnly,
    ),
    entityName("PrimaryObjectTypeCode", "Primary Object Type Code", readOnly),
    entityName("SecondaryObjectTypeCode", "Secondary Object Type Code", readOnly),
    yesNo("IsCustomProcessingStepAllowed", "Custom Processing Step Allowed", readOnly),
  ]),
  systemTable(
    "sdkmessageprocessingstep",
    "SdkMessageProcessingStep",
    "Sdk Message Processing Step",
    "sdkmessageprocessingsteps",
    "name",
    [
      text("Name", "Name", 256, required),
      memo("Description", "Description", 256),
      lookup(
        "SdkMessageId",
        "SDK Message",
        [target("sdkmessage", "sdkmessageid", "sdkmessageid_sdkmessageprocessingstep")],
        { requiredLevel: "SystemRequired" },
      ),
      lookup("SdkMessageFilterId", "SdkMessage Filter", [
        target("sdkmessagefilter", "sdkmessagefilterid", "sdkmessagefilterid_sdkmessageprocessingstep"),
      ]),
      // eventhandler also targets plugintype (eventhandler_plugintype); webhooks only use a service endpoint.
      lookup(
        "EventHandler",
        "Event Handler",
        [target("serviceendpoint", "eventhandler_serviceendpoint", "serviceendpoint_sdkmessageprocessingstep")],
        { requiredLevel: "SystemRequired" },
      ),
      localChoice(
        "Stage",
        "Execution Stage",
        [
          { value: 10, label: "Pre-validation", key: "PreValidation" },
          { value: 20, label: "Pre-operation", key: "PreOperation" },
          { value: 30, label: "Main Operation" },
          { value: 40, label: "Post-operation", key: "PostOperation" },
        ],
        { requiredLevel: "SystemRequired" },
      ),
      localChoice(
        "Mode",
        "Execution Mode",
        [
          { value: 0, label: "Synchronous" },
          { value: 1, label: "Asynchronous" },
        ],
        { requiredLevel: "SystemRequired" },
      ),
      whole("Rank", "Execution Order", { min: 0 }, { requiredLevel: "SystemRequired" }),
      localChoice(
        "SupportedDeployment",
        "Deployment",
        [
          { value: 0, label: "Server Only" },
          { value: 1, label: "Microsoft Dynamics 365 Client for Outlook Only", key: "OutlookClientOnly" },
          { value: 2, label: "Both" },
        ],
        { requiredLevel: "SystemRequired" },
      ),
      memo("FilteringAttributes", "Filtering Attributes", 100000),
      yesNo("AsyncAutoDelete", "Asynchronous Automatic Delete"),
      memo("Configuration", "Configuration", 1048576),
      {
        logicalName: "statecode",
        schemaName: "StateCode",
        displayName: "Status",
        type: "State",
        requiredLevel: "SystemRequired",
        options: [
          { value: 0, label: "Enabled" },
          { value: 1, label: "Disabled" },
        ],
      },
      {
        logicalName: "statuscode",
        schemaName: "StatusCode",
        displayName: "Status Reason",
        type: "Status",
        options: [
          { value: 1, label: "Enabled", state: 0 },
          { value: 2, label: "Disabled", state: 1 },
        ],
      },
    ],
  ),
  systemTable(
    "sdkmessageprocessingstepimage",
    "SdkMessageProcessingStepImage",
    "Sdk Message Processing Step Image",
    "sdkmessageprocessingstepimages",
    "name",
    [
      text("Name", "Name", 256, required),
      lookup(
        "SdkMessageProcessingStepId",
        "SDK Message Processing Step",
        [
          target(
            "sdkmessageprocessingstep",
            "sdkmessageprocessingstepid",
            "sdkmessageprocessingstepid_sdkmessageprocessingstepimage",
          ),
        ],
        { requiredLevel: "SystemRequired", validForUpdate: false },
      ),
      localChoice(
        "ImageType",
        "Image Type",
        [
          { value: 0, label: "PreImage" },
          { value: 1, label: "PostImage" },
          { value: 2, label: "Both" },
        ],
        { requiredLevel: "SystemRequired" },
      ),
      text("EntityAlias", "Entity Alias", 256, { requiredLevel: "SystemRequired" }),
      text("MessagePropertyName", "Message Property Name", 256, { requiredLevel: "SystemRequired" }),
      memo("Attributes", "Attributes", 100000),
    ],
  ),
];
