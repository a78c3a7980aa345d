// The one engine that applies a mapping table. A table is data: one row per row of the reference docs, naming the
// Dataverse source, the canonical model field and the Xero field, with an optional codec. Reading from Dataverse,
// writing to Xero and reading from Xero all walk the same rows, so create and update can never drift apart.
import type { Codec } from "./codecs";

// A codec of any value types; the engine only passes values through it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec = Codec<any, any>;

export interface FieldRow {
  /** The reference docs' "D365 field logical name": a column, or `lookup/column` for a column of the looked-up row. */
  readonly dynamics?: string;
  /** A value from the run's context (connector settings, the invoice's currency): the source when `dynamics` is
   * absent, the fallback when the column is empty ("Set to system default value if not provided"). */
  readonly context?: string;
  /** A value the service always sets ("Set to ACCREC."). */
  readonly constant?: unknown;
  /** Dataverse value → model value. */
  readonly read?: (value: unknown) => unknown;
  /** Dot path in the canonical model. */
  readonly model: string;
  /** The reference docs' "Xero field name" as a path in Xero's payload; `Phones[PhoneType=DEFAULT].PhoneNumber`
   * picks the array element whose key has that value. Absent when the field stays inside the service. */
  readonly xero?: string;
  /** model ↔ Xero value conversion. */
  readonly codec?: AnyCodec;
  /** A lower-precedence source: applied only while the model field is still empty ("Only if … not provided"). */
  readonly ifEmpty?: boolean;
  /** The row is an array whose elements map by this table. */
  readonly each?: MappingTable;
  /** The encoded value is an array appended to what is already at the Xero path. */
  readonly append?: boolean;
  /** The reference docs' notes column. */
  readonly note?: string;
}

export interface MappingTable {
  readonly name: string;
  /** Where the table comes from (section of the reference docs). */
  readonly source: string;
  readonly rows: readonly FieldRow[];
}

export type Plain = Record<string, unknown>;

const isEmpty = (value: unknown): boolean => value === undefined || value === null || value === "";

/** Dataverse row (with looked-up rows nested under their lookup's logical name) + context → model fields. */
export function fromDynamics(table: MappingTable, source: Plain, context: Plain = {}): Plain {
  const model: Plain = {};
  for (const row of table.rows) {
    if (row.ifEmpty === true && !isEmpty(getPath(model, row.model))) continue;
    let value: unknown = row.constant;
    if (value === undefined && row.dynamics !== undefined) value = getPath(source, row.dynamics);
    if (row.each !== undefined) {
      // A context value is already in model form (credit notes copy the Xero invoice's lines).
      if (row.dynamics === undefined && row.context !== undefined) {
        setPath(model, row.model, context[row.context] ?? []);
        continue;
      }
      const elements = Array.isArray(value) ? (value as Plain[]) : [];
      setPath(
        model,
        row.model,
        elements.map((element) => fromDynamics(row.each as MappingTable, element, context)),
      );
      continue;
    }
    if (isEmpty(value) && row.context !== undefined) value = context[row.context];
    if (!isEmpty(value) && row.read !== undefined) value = row.read(value);
    if (isEmpty(value)) continue;
    setPath(model, row.model, value);
  }
  return model;
}

/** Model → Xero payload (PascalCase), rows without a Xero field skipped, empty values left out. */
export function toXero(table: MappingTable, model: Plain): Plain {
  const payload: Plain = {};
  const written = new Set<string>();
  for (const row of table.rows) {
    if (row.xero === undefined || written.has(`${row.model}→${row.xero}`)) continue;
    written.add(`${row.model}→${row.xero}`);
    const value = getPath(model, row.model);
    if (row.each !== undefined) {
      if (!Array.isArray(value)) continue;
      const elements = (value as Plain[]).map((element) => toXero(row.each as MappingTable, element));
      // An empty list is left out: Xero reads a missing array as "unchanged".
      if (elements.length > 0) setPath(payload, row.xero, elements);
      continue;
    }
    if (isEmpty(value) && row.codec === undefined) continue;
    if (value === undefined) continue;
    const encoded: unknown = row.codec === undefined ? value : row.codec.encode(value);
    if (isEmpty(encoded)) continue;
    if (row.append === true) {
      const existing = getPath(payload, row.xero);
      setPath(payload, row.xero, [
        ...(Array.isArray(existing) ? (existing as unknown[]) : []),
        ...(encoded as unknown[]),
      ]);
    } else {
      setPath(payload, row.xero, encoded);
    }
  }
  return payload;
}

/** Model → Dataverse columns (the pull direction): rows whose `dynamics` is a plain column of this row. */
export function toDynamics(table: MappingTable, model: Plain): Plain {
  const row: Plain = {};
  for (const field of table.rows) {
    if (
      field.dynamics === undefined ||
      field.dynamics.includes("/") ||
      field.each !== undefined ||
      field.ifEmpty === true
    )
      continue;
    const value = getPath(model, field.model);
    if (value === undefined) continue;
    row[field.dynamics] = value;
  }
  return row;
}

/** Xero payload → model fields (the pull direction, and credit notes copying a Xero invoice's lines). */
export function fromXero(table: MappingTable, payload: Plain): Plain {
  const model: Plain = {};
  for (const row of table.rows) {
    if (row.xero === undefined || row.append === true) continue;
    if (row.ifEmpty === true && !isEmpty(getPath(model, row.model))) continue;
    const value = getPath(payload, row.xero);
    if (row.each !== undefined) {
      const elements = Array.isArray(value) ? (value as Plain[]) : [];
      setPath(
        model,
        row.model,
        elements.map((element) => fromXero(row.each as MappingTable, element)),
      );
      continue;
    }
    if (isEmpty(value)) continue;
    setPath(model, row.model, row.codec === undefined ? value : row.codec.decode(value));
  }
  return model;
}

interface Segment {
  key: string;
  /** `[Key=Value]`: the array element whose `Key` equals `Value`. */
  select?: { key: string; value: string };
}

const segmentPattern = /^([^[\]]+)(?:\[([^=\]]+)=([^\]]+)\])?$/;

function parsePath(path: string): Segment[] {
  return path.split(/[./]/).map((part) => {
    const match = segmentPattern.exec(part);
    if (match?.[1] === undefined) throw new SyntaxError(`bad mapping path "${path}"`);
    return match[2] !== undefined && match[3] !== undefined
      ? { key: match[1], select: { key: match[2], value: match[3] } }
      : { key: match[1] };
  });
}

export function getPath(target: unknown, path: string): unknown {
  let current: unknown = target;
  for (const segment of parsePath(path)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Plain)[segment.key];
    if (segment.select !== undefined) {
      const { key, value } = segment.select;
      current = Array.isArray(current) ? (current as Plain[]).find((element) => element[key] === value) : undefined;
    }
  }
  return current;
}

export function setPath(target: Plain, path: string, value: unknown): void {
  const segments = parsePath(path);
  let current: Plain = target;
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment.select === undefined) {
      if (last) {
        current[segment.key] = value;
        return;
      }
      const next = current[segment.key];
      if (next === null || typeof next !== "object") current[segment.key] = {};
      current = current[segment.key] as Plain;
      return;
    }
    const { key, value: selected } = segment.select;
    const list = Array.isArray(current[segment.key]) ? (current[segment.key] as Plain[]) : [];
    current[segment.key] = list;
    let element = list.find((candidate) => candidate[key] === selected);
    if (element === undefined) {
      element = { [key]: selected };
      list.push(element);
    }
    if (last) throw new SyntaxError(`a selector cannot be the last segment of "${path}"`);
    current = element;
  });
}
