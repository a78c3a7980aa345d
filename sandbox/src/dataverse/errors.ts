// Dataverse's error answers: `{"error":{"code":"0x…","message":"…"}}` with the HTTP status the real service uses.
// Codes and messages come from Microsoft's pages:
// - https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
// - https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors
// - https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
// Where Microsoft documents no text for a rule, the message says what went wrong in Dataverse's voice and the
// emulator's README lists it as the emulator's own wording.

export class DataverseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DataverseError";
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

const payloadPrefix = (entitySetName: string): string =>
  `Error identified in Payload provided by the user for Entity :'${entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : `;

/** Query options ($select, $filter, $orderby, $expand) naming a property the entity type lacks. */
export const propertyNotFound = (property: string, logicalName: string): DataverseError =>
  new DataverseError(
    400,
    "0x80060888",
    `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`,
  );

/** A path segment (entity set, function, navigation property) that does not exist. */
export const resourceNotFound = (segment: string): DataverseError =>
  new DataverseError(404, "0x8006088a", `Resource not found for the segment '${segment}'.`);

/** A body property that the entity type lacks. */
export const invalidBodyProperty = (property: string, logicalName: string, entitySetName: string): DataverseError =>
  new DataverseError(
    400,
    "0x80048d19",
    `${payloadPrefix(entitySetName)}Microsoft.Crm.CrmException: Invalid property '${property}' was found in entity 'Microsoft.Dynamics.CRM.${logicalName}'. ---> Microsoft.OData.ODataException: The property '${property}' does not exist on type 'Microsoft.Dynamics.CRM.${logicalName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );

/** `x@odata.bind` where x is not a single-valued navigation property. */
export const undeclaredProperty = (property: string, entitySetName: string): DataverseError =>
  new DataverseError(
    400,
    "0x80048d19",
    `${payloadPrefix(entitySetName)}Microsoft.OData.ODataException: An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
  );

/** Any other payload the OData reader cannot read (wrong JSON type, not an object, bad bind). */
export const payloadError = (entitySetName: string, inner: string): DataverseError =>
  new DataverseError(400, "0x80048d19", `${payloadPrefix(entitySetName)}Microsoft.OData.ODataException: ${inner}`);

export const stringTooLong = (attribute: string, logicalName: string, maxLength: number): DataverseError =>
  new DataverseError(
    400,
    "0x80044331",
    `A validation error occurred. The length of the '${attribute}' attribute of the '${logicalName}' entity exceeded the maximum allowed length of '${maxLength}'.`,
  );

export const optionOutOfRange = (
  value: number,
  attribute: string,
  logicalName: string,
  accepted: number[],
): DataverseError =>
  new DataverseError(
    400,
    "0x8004431a",
    `A validation error occurred. The value ${value} of '${attribute}' on record of type '${logicalName}' is outside the valid range. Accepted Values: ${accepted.join(",")}`,
  );

export const valueOutOfRange = (attribute: string, logicalName: string, min: number, max: number): DataverseError =>
  new DataverseError(
    400,
    "0x80044331",
    `A validation error occurred. The value of '${attribute}' on record of type '${logicalName}' is outside the valid range (${min} to ${max}).`,
  );

export const notValidFor = (operation: "create" | "update", attribute: string, logicalName: string): DataverseError =>
  new DataverseError(
    400,
    "0x80040203",
    `The '${attribute}' attribute of the '${logicalName}' entity is not valid for ${operation}: Dataverse sets or calculates it.`,
  );

export const invalidStatus = (status: number, stateName: string, logicalName: string, id: string): DataverseError =>
  new DataverseError(
    400,
    "0x80048408",
    `${status} is not a valid status code for state code ${stateName} on ${logicalName} with Id ${id}.`,
  );

export const recordNotFound = (logicalName: string, id: string): DataverseError =>
  new DataverseError(404, "0x80040217", `Entity '${logicalName}' With Id = ${id} Does Not Exist`);

export const recordNotFoundByKey = (logicalName: string, key: string): DataverseError =>
  new DataverseError(
    404,
    "0x80040217",
    `A record with the specified key values does not exist in ${logicalName} entity (${key})`,
  );

export const duplicateRecord = (): DataverseError =>
  new DataverseError(412, "0x80040237", "A record with matching key values already exists.");

export const duplicateAlternateKey = (values: string, keyName: string): DataverseError =>
  new DataverseError(
    412,
    "0x80060892",
    `A record that has the attribute values ${values} already exists. The entity key ${keyName} requires that this set of attributes contains unique values. Select unique values and try again.`,
  );

export const versionMismatch = (): DataverseError =>
  new DataverseError(
    412,
    "0x80060882",
    "The version of the existing record doesn't match the RowVersion property provided.",
  );

export const badRequest = (message: string, code = "0x80040203"): DataverseError =>
  new DataverseError(400, code, message);

export const methodNotAllowed = (url: string): DataverseError =>
  new DataverseError(404, "", `No HTTP resource was found that matches the request URI '${url}'.`);

/** Normalises anything thrown while serving a request into a Dataverse error answer. */
export function ensureDataverseError(thrown: unknown): DataverseError {
  if (thrown instanceof DataverseError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new DataverseError(500, "0x80040216", `An unexpected error occurred: ${message}`);
}

/**
 * A valid token whose application has no application user in the organisation.
 * https://learn.microsoft.com/dynamics365/fin-ops-core/dev-itpro/data-entities/dual-write/dual-write-troubleshooting-live-sync
 */
export const notAMember = (): DataverseError =>
  new DataverseError(403, "0x80072560", "The user is not a member of the organization.");
