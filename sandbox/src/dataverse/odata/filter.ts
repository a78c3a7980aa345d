// The `$filter` subset the service uses: comparison and logical operators, parentheses, contains / startswith /
// endswith, null checks, `_x_value` lookups, GUID and date-time literals, Dataverse's query functions, and the lambda
// operators `any` / `all` over a one-to-many collection (`invoice_details/any(d:d/quantity gt 0)`).
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
// Lambda operators: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows#filter-using-values-of-related-collections
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/queryfunctions
import type { AttributeMetadata } from "../../../../customizations/src/metadata";
import { badRequest, propertyNotFound } from "../errors";
import type { SchemaIndex, TableIndex } from "../schema-index";
import { resolveProperty } from "../schema-index";
import type { LookupValue, Row } from "../store";
import { isLookupValue } from "../store";

type Literal =
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "boolean"; value: boolean }
  | { type: "null" }
  | { type: "guid"; value: string }
  | { type: "datetime"; value: number; text: string }
  | { type: "list"; values: Literal[] };

export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; operand: FilterNode }
  | { kind: "compare"; op: CompareOp; left: FilterNode; right: FilterNode }
  | { kind: "call"; name: "contains" | "startswith" | "endswith"; args: [FilterNode, FilterNode] }
  | { kind: "queryFunction"; name: string; attribute: AttributeMetadata; params: Map<string, Literal> }
  | { kind: "literal"; literal: Literal }
  | { kind: "property"; attribute: AttributeMetadata; via?: AttributeMetadata }
  | {
      kind: "lambda";
      quantifier: "any" | "all";
      /** The parent's primary id column; children point at it through `referencingAttribute`. */
      parentId: string;
      childTable: string;
      referencingAttribute: string;
      /** `any()` without a predicate: at least one child. */
      predicate?: FilterNode;
    };

type CompareOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
const compareOps = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);

type Token =
  | { kind: "punct"; value: "(" | ")" | "," | "=" | "[" | "]" | ":" }
  | { kind: "literal"; literal: Literal }
  | { kind: "word"; value: string };

const syntaxError = (filter: string, detail: string) =>
  badRequest(`Syntax error at position ${filter.length} in '${filter}'. ${detail}`, "0x80060888");

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const rest = () => text.slice(index);
  while (index < text.length) {
    const char = text.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if ("(),=[]:".includes(char)) {
      tokens.push({ kind: "punct", value: char as "(" | ")" | "," | "=" | "[" | "]" | ":" });
      index += 1;
      continue;
    }
    if (char === "'") {
      let value = "";
      index += 1;
      for (;;) {
        if (index >= text.length) throw syntaxError(text, "Unterminated string literal.");
        const next = text.charAt(index);
        if (next === "'") {
          if (text.charAt(index + 1) === "'") {
            value += "'";
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        value += next;
        index += 1;
      }
      tokens.push({ kind: "literal", literal: { type: "string", value } });
      continue;
    }
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i.exec(rest());
    if (guid !== null) {
      tokens.push({ kind: "literal", literal: { type: "guid", value: guid[0].toLowerCase() } });
      index += guid[0].length;
      continue;
    }
    const dateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?(?![\w:])/.exec(rest());
    if (dateTime !== null) {
      const ms = Date.parse(dateTime[1] === undefined ? `${dateTime[0]}T00:00:00Z` : dateTime[0]);
      if (Number.isNaN(ms)) throw syntaxError(text, `Unrecognized date literal '${dateTime[0]}'.`);
      tokens.push({ kind: "literal", literal: { type: "datetime", value: ms, text: dateTime[0] } });
      index += dateTime[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?(?![\w])/.exec(rest());
    if (number !== null) {
      tokens.push({ kind: "literal", literal: { type: "number", value: Number.parseFloat(number[0]) } });
      index += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w.]*(\/[A-Za-z_]\w*)?/.exec(rest());
    if (word !== null) {
      const value = word[0];
      if (value === "true" || value === "false")
        tokens.push({ kind: "literal", literal: { type: "boolean", value: value === "true" } });
      else if (value === "null") tokens.push({ kind: "literal", literal: { type: "null" } });
      else tokens.push({ kind: "word", value });
      index += value.length;
      continue;
    }
    throw syntaxError(text, `Unexpected character '${char}'.`);
  }
  return tokens;
}

class Parser {
  position = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly table: TableIndex,
    private readonly schema: SchemaIndex | undefined,
    /** Inside a lambda: its range variable, which prefixes the child's properties (`d/quantity`). */
    private readonly rangeVariable?: string,
  ) {}

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.position < this.tokens.length) throw syntaxError(this.text, "Unexpected token after the expression.");
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token === undefined) throw syntaxError(this.text, "Unexpected end of the expression.");
    this.position += 1;
    return token;
  }

  private isWord(value: string): boolean {
    const token = this.peek();
    return token?.kind === "word" && token.value === value;
  }

  private expectPunct(value: string): void {
    const token = this.next();
    if (token.kind !== "punct" || token.value !== value) throw syntaxError(this.text, `'${value}' expected.`);
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isWord("or")) {
      this.position += 1;
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseNot();
    while (this.isWord("and")) {
      this.position += 1;
      left = { kind: "and", left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterNode {
    if (this.isWord("not")) {
      this.position += 1;
      return { kind: "not", operand: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): FilterNode {
    const left = this.parsePrimary();
    const token = this.peek();
    if (token?.kind === "word" && compareOps.has(token.value)) {
      this.position += 1;
      return { kind: "compare", op: token.value as CompareOp, left, right: this.parsePrimary() };
    }
    return left;
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.kind === "literal") return token.literal;
    if (token.kind === "punct" && token.value === "[") {
      const values: Literal[] = [];
      while (!(this.peek()?.kind === "punct" && (this.peek() as { value: string }).value === "]")) {
        values.push(this.parseLiteral());
        if (this.peek()?.kind === "punct" && (this.peek() as { value: string }).value === ",") this.position += 1;
      }
      this.position += 1;
      return { type: "list", values };
    }
    throw syntaxError(this.text, "A literal was expected.");
  }

  private parsePrimary(): FilterNode {
    const token = this.next();
    if (token.kind === "punct" && token.value === "(") {
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    if (token.kind === "literal") return { kind: "literal", literal: token.literal };
    if (token.kind !== "word") throw syntaxError(this.text, "An expression was expected.");
    const following = this.peek();
    if (following?.kind === "punct" && following.value === "(") {
      this.position += 1;
      const lambda = /^(\w+)\/(any|all)$/.exec(token.value);
      if (lambda?.[1] !== undefined && lambda[2] !== undefined)
        return this.parseLambda(lambda[1], lambda[2] as "any" | "all");
      if (token.value.startsWith("Microsoft.Dynamics.CRM.")) return this.parseQueryFunction(token.value);
      if (token.value === "contains" || token.value === "startswith" || token.value === "endswith") {
        const first = this.parseOr();
        this.expectPunct(",");
        const second = this.parseOr();
        this.expectPunct(")");
        return { kind: "call", name: token.value, args: [first, second] };
      }
      throw badRequest(`An unknown function with name '${token.value}' was found.`, "0x80060888");
    }
    const name =
      this.rangeVariable === undefined
        ? token.value
        : token.value.startsWith(`${this.rangeVariable}/`)
          ? token.value.slice(this.rangeVariable.length + 1)
          : undefined;
    // Inside a lambda only the range variable's properties are modelled (not the outer row's).
    if (name === undefined)
      throw badRequest(`The emulator supports only '${this.rangeVariable ?? ""}/…' properties inside a lambda.`, "0x80060888");
    const slash = name.indexOf("/");
    if (slash === -1) return { kind: "property", attribute: resolveProperty(this.table, name) };
    // A property of the row a single-valued navigation property points to: `primarycontactid/fullname`.
    const navigation = name.slice(0, slash);
    const lookup = this.table.lookupNavigations.get(navigation);
    const target = lookup?.targets.length === 1 ? this.schema?.tables.get(lookup.targets[0] ?? "") : undefined;
    if (lookup === undefined || target === undefined) throw propertyNotFound(navigation, this.table.logicalName);
    return {
      kind: "property",
      attribute: resolveProperty(target, name.slice(slash + 1)),
      via: lookup.attribute,
    };
  }

  /** `<collection>/any()`, `<collection>/any(v:<predicate over v/…>)`, `<collection>/all(v:…)`; the `(` is consumed. */
  private parseLambda(navigation: string, quantifier: "any" | "all"): FilterNode {
    const collection = this.table.collectionNavigations.get(navigation);
    if (collection === undefined) throw propertyNotFound(navigation, this.table.logicalName);
    if (collection.kind !== "oneToMany")
      throw badRequest(`The emulator models lambda operators over one-to-many collections only ('${navigation}').`, "0x80060888");
    const child = this.schema?.tables.get(collection.childTable);
    if (child === undefined) throw propertyNotFound(navigation, this.table.logicalName);
    const node = {
      kind: "lambda" as const,
      quantifier,
      parentId: this.table.primaryId,
      childTable: child.logicalName,
      referencingAttribute: collection.referencingAttribute,
    };
    const closing = this.peek();
    if (closing?.kind === "punct" && closing.value === ")") {
      this.position += 1;
      if (quantifier === "all") throw syntaxError(this.text, "'all' needs a lambda expression.");
      return node;
    }
    const variable = this.next();
    if (variable.kind !== "word" || variable.value.includes("/")) throw syntaxError(this.text, "A range variable was expected.");
    this.expectPunct(":");
    const inner = new Parser(this.text, this.tokens, child, this.schema, variable.value);
    inner.position = this.position;
    const predicate = inner.parseOr();
    this.position = inner.position;
    this.expectPunct(")");
    return { ...node, predicate };
  }

  private parseQueryFunction(fullName: string): FilterNode {
    const name = fullName.slice("Microsoft.Dynamics.CRM.".length);
    if (!(name in queryFunctions))
      throw badRequest(`An unknown function with name '${fullName}' was found.`, "0x80060888");
    const params = new Map<string, Literal>();
    while (!(this.peek()?.kind === "punct" && (this.peek() as { value: string }).value === ")")) {
      const key = this.next();
      if (key.kind !== "word") throw syntaxError(this.text, "A parameter name was expected.");
      this.expectPunct("=");
      params.set(key.value, this.parseLiteral());
      if (this.peek()?.kind === "punct" && (this.peek() as { value: string }).value === ",") this.position += 1;
    }
    this.position += 1;
    const propertyName = params.get("PropertyName");
    if (propertyName?.type !== "string") throw badRequest(`${fullName} needs PropertyName.`, "0x80060888");
    const attribute = this.table.attributes.get(propertyName.value);
    if (attribute === undefined) {
      throw badRequest(
        `'${propertyName.value}' is not a valid attribute name for entity '${this.table.logicalName}'.`,
        "0x80041103",
      );
    }
    return { kind: "queryFunction", name, attribute, params };
  }
}

export function parseFilter(text: string, table: TableIndex, schema?: SchemaIndex): FilterNode {
  return new Parser(text, tokenize(text), table, schema).parse();
}

/** Reads the row a lookup points to, for navigation paths in a filter. */
export type RelatedRow = (value: LookupValue) => Row | undefined;

/** The rows of `table` whose lookup `attribute` points at `parentId`, for lambda operators. */
export type ChildRows = (table: string, attribute: string, parentId: string) => Row[];

/** Where a filter reads rows other than the one it tests. */
export interface FilterLookups {
  related?: RelatedRow;
  children?: ChildRows;
}

type Value = string | number | boolean | null;

const dayMs = 86_400_000;
const startOfDay = (ms: number): number => Math.floor(ms / dayMs) * dayMs;

const literalNumber = (literal: Literal | undefined): number => {
  if (literal?.type === "number") return literal.value;
  if (literal?.type === "string" && /^-?\d+$/.test(literal.value)) return Number(literal.value);
  throw badRequest("PropertyValue must be a whole number.", "0x80060888");
};

const literalDate = (literal: Literal | undefined): number => {
  if (literal?.type === "datetime") return literal.value;
  if (literal?.type === "string" && !Number.isNaN(Date.parse(literal.value))) return Date.parse(literal.value);
  throw badRequest("PropertyValue must be a date.", "0x80060888");
};

const literalValues = (literal: Literal | undefined): Value[] =>
  literal?.type === "list" ? literal.values.map(literalToValue) : [];

type QueryFunction = (value: Value, params: Map<string, Literal>, now: number) => boolean;

const asTime = (value: Value): number | null => (typeof value === "string" ? Date.parse(value) : null);

const between = (value: Value, from: number, to: number): boolean => {
  const time = asTime(value);
  return time !== null && time >= from && time <= to;
};

// The date functions compare in UTC: the emulator's users all live in UTC.
const queryFunctions: Record<string, QueryFunction> = {
  LastXHours: (value, params, now) => between(value, now - literalNumber(params.get("PropertyValue")) * 3_600_000, now),
  LastXDays: (value, params, now) =>
    between(value, startOfDay(now) - literalNumber(params.get("PropertyValue")) * dayMs, now),
  LastXWeeks: (value, params, now) =>
    between(value, startOfDay(now) - literalNumber(params.get("PropertyValue")) * 7 * dayMs, now),
  NextXDays: (value, params, now) =>
    between(value, now, startOfDay(now) + (literalNumber(params.get("PropertyValue")) + 1) * dayMs - 1),
  OlderThanXMinutes: (value, params, now) =>
    (asTime(value) ?? Infinity) < now - literalNumber(params.get("PropertyValue")) * 60_000,
  OlderThanXHours: (value, params, now) =>
    (asTime(value) ?? Infinity) < now - literalNumber(params.get("PropertyValue")) * 3_600_000,
  OlderThanXDays: (value, params, now) =>
    (asTime(value) ?? Infinity) < now - literalNumber(params.get("PropertyValue")) * dayMs,
  Today: (value, _params, now) => between(value, startOfDay(now), startOfDay(now) + dayMs - 1),
  Yesterday: (value, _params, now) => between(value, startOfDay(now) - dayMs, startOfDay(now) - 1),
  On: (value, params) => {
    const day = startOfDay(literalDate(params.get("PropertyValue")));
    return between(value, day, day + dayMs - 1);
  },
  OnOrAfter: (value, params) => between(value, startOfDay(literalDate(params.get("PropertyValue"))), Infinity),
  OnOrBefore: (value, params) =>
    between(value, -Infinity, startOfDay(literalDate(params.get("PropertyValue"))) + dayMs - 1),
  In: (value, params) => literalValues(params.get("PropertyValues")).some((candidate) => looseEquals(value, candidate)),
  NotIn: (value, params) =>
    !literalValues(params.get("PropertyValues")).some((candidate) => looseEquals(value, candidate)),
  Between: (value, params) => {
    const [low, high] = literalValues(params.get("PropertyValues"));
    return compare(value, low ?? null, "ge") && compare(value, high ?? null, "le");
  },
};

function literalToValue(literal: Literal): Value {
  switch (literal.type) {
    case "null":
      return null;
    case "datetime":
      return new Date(literal.value).toISOString();
    case "list":
      return null;
    default:
      return literal.value;
  }
}

const normalise = (value: Value): Value => {
  if (typeof value !== "string") return value;
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)))
    return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return value.toLowerCase();
};

function looseEquals(left: Value, right: Value): boolean {
  if (left === null || right === null) return left === right;
  if (typeof left === "number" && typeof right === "string" && /^-?\d+(\.\d+)?$/.test(right))
    return left === Number(right);
  return normalise(left) === normalise(right);
}

function compare(left: Value, right: Value, op: CompareOp): boolean {
  if (op === "eq") return looseEquals(left, right);
  if (op === "ne") return !looseEquals(left, right);
  if (left === null || right === null) return false;
  const a = normalise(left);
  const b = normalise(right);
  if (a === null || b === null || typeof a !== typeof b) return false;
  switch (op) {
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}

const columnValue = (row: Row, attribute: AttributeMetadata, via?: AttributeMetadata, related?: RelatedRow): Value => {
  if (via !== undefined) {
    const link = row[via.logicalName];
    const target = isLookupValue(link) ? related?.(link) : undefined;
    return target === undefined ? null : columnValue(target, attribute);
  }
  const stored = row[attribute.logicalName];
  if (stored === undefined) return null;
  return isLookupValue(stored) ? stored.id : stored;
};

function evaluateValue(node: FilterNode, row: Row, now: number, lookups: FilterLookups): Value {
  switch (node.kind) {
    case "literal":
      return literalToValue(node.literal);
    case "property":
      return columnValue(row, node.attribute, node.via, lookups.related);
    default:
      return evaluateFilter(node, row, now, lookups);
  }
}

export function evaluateFilter(node: FilterNode, row: Row, now: number, lookups: FilterLookups = {}): boolean {
  switch (node.kind) {
    case "and":
      return evaluateFilter(node.left, row, now, lookups) && evaluateFilter(node.right, row, now, lookups);
    case "or":
      return evaluateFilter(node.left, row, now, lookups) || evaluateFilter(node.right, row, now, lookups);
    case "not":
      return !evaluateFilter(node.operand, row, now, lookups);
    case "compare":
      return compare(
        evaluateValue(node.left, row, now, lookups),
        evaluateValue(node.right, row, now, lookups),
        node.op,
      );
    case "call": {
      const haystack = evaluateValue(node.args[0], row, now, lookups);
      const needle = evaluateValue(node.args[1], row, now, lookups);
      if (typeof haystack !== "string" || typeof needle !== "string") return false;
      const h = haystack.toLowerCase();
      const n = needle.toLowerCase();
      return node.name === "contains" ? h.includes(n) : node.name === "startswith" ? h.startsWith(n) : h.endsWith(n);
    }
    case "queryFunction": {
      const fn = queryFunctions[node.name];
      return fn !== undefined && fn(columnValue(row, node.attribute), node.params, now);
    }
    case "literal": {
      const value = literalToValue(node.literal);
      return value === true;
    }
    case "property":
      return columnValue(row, node.attribute, node.via, lookups.related) === true;
    case "lambda": {
      const parentId = row[node.parentId];
      const children =
        typeof parentId === "string" ? (lookups.children?.(node.childTable, node.referencingAttribute, parentId) ?? []) : [];
      const test = (child: Row): boolean => node.predicate === undefined || evaluateFilter(node.predicate, child, now, lookups);
      return node.quantifier === "any" ? children.some(test) : children.every(test);
    }
  }
}
