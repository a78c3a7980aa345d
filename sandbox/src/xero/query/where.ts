// The `where` query parameter: Xero evaluates a Dynamic-LINQ-like expression over the record's fields.
// https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-a-filtered-set-of-resources
// Supported: comparisons (== != > >= < <=) of a field path with a string, number, boolean, null, Guid("…") or
// DateTime(y,m,d[,h,m,s]); `&&`/`AND`, `||`/`OR`, `!`/`NOT`, parentheses; `.Contains(…)`, `.StartsWith(…)`,
// `.EndsWith(…)`, `.ToLower()`, `.ToUpper()`. Anything else is refused the way Xero refuses it: a 400
// QueryParseException.

export class WhereParseError extends Error {}

/** Fields a filter may read: PascalCase names, nested objects for `Contact.ContactID`, dates as epoch ms. */
export type FilterView = Record<string, unknown>;

export type WherePredicate = (view: FilterView) => boolean;

type Token =
  | { kind: "ident"; text: string }
  | { kind: "string"; text: string }
  | { kind: "number"; value: number }
  | { kind: "op"; text: string }
  | { kind: "punct"; text: "(" | ")" | "," | "." };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < input.length) {
    const char = input[index] ?? "";
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '"') {
      let text = "";
      index += 1;
      while (index < input.length && input[index] !== '"') {
        if (input[index] === "\\" && index + 1 < input.length) index += 1;
        text += input[index];
        index += 1;
      }
      if (index >= input.length) throw new WhereParseError("Unterminated string literal");
      index += 1;
      tokens.push({ kind: "string", text });
      continue;
    }
    const two = input.slice(index, index + 2);
    if (["==", "!=", ">=", "<=", "&&", "||"].includes(two)) {
      tokens.push({ kind: "op", text: two });
      index += 2;
      continue;
    }
    if ([">", "<", "!"].includes(char)) {
      tokens.push({ kind: "op", text: char });
      index += 1;
      continue;
    }
    if (char === "(" || char === ")" || char === "," || char === ".") {
      tokens.push({ kind: "punct", text: char });
      index += 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(input.slice(index));
    if (number !== null) {
      tokens.push({ kind: "number", value: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(index));
    if (ident !== null) {
      const word = ident[0];
      const upper = word.toUpperCase();
      if (upper === "AND") tokens.push({ kind: "op", text: "&&" });
      else if (upper === "OR") tokens.push({ kind: "op", text: "||" });
      else if (upper === "NOT") tokens.push({ kind: "op", text: "!" });
      else tokens.push({ kind: "ident", text: word });
      index += word.length;
      continue;
    }
    throw new WhereParseError(`Syntax error '${char}'`);
  }
  return tokens;
}

type Operand = (view: FilterView) => unknown;

const stringMethods: Record<string, (subject: string, argument: string) => boolean> = {
  Contains: (subject, argument) => subject.toLowerCase().includes(argument.toLowerCase()),
  StartsWith: (subject, argument) => subject.toLowerCase().startsWith(argument.toLowerCase()),
  EndsWith: (subject, argument) => subject.toLowerCase().endsWith(argument.toLowerCase()),
};

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly typeName: string,
    private readonly fields: ReadonlySet<string>,
  ) {}

  parse(): WherePredicate {
    const predicate = this.parseOr();
    if (this.position < this.tokens.length) throw new WhereParseError("Syntax error");
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private take(): Token {
    const token = this.tokens[this.position];
    if (token === undefined) throw new WhereParseError("Expression expected");
    this.position += 1;
    return token;
  }

  private expectPunct(text: string): void {
    const token = this.take();
    if (token.kind !== "punct" || token.text !== text) throw new WhereParseError(`'${text}' expected`);
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token?.kind === "op" && token.text === text;
  }

  private parseOr(): WherePredicate {
    let left = this.parseAnd();
    while (this.isOp("||")) {
      this.position += 1;
      const [a, b] = [left, this.parseAnd()];
      left = (view) => a(view) || b(view);
    }
    return left;
  }

  private parseAnd(): WherePredicate {
    let left = this.parseUnary();
    while (this.isOp("&&")) {
      this.position += 1;
      const [a, b] = [left, this.parseUnary()];
      left = (view) => a(view) && b(view);
    }
    return left;
  }

  private parseUnary(): WherePredicate {
    if (this.isOp("!")) {
      this.position += 1;
      const inner = this.parseUnary();
      return (view) => !inner(view);
    }
    const token = this.peek();
    if (token?.kind === "punct" && token.text === "(") {
      this.position += 1;
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): WherePredicate {
    const left = this.parseOperand();
    const token = this.peek();
    if (left.method !== undefined) return left.method;
    if (token?.kind !== "op" || !["==", "!=", ">", ">=", "<", "<="].includes(token.text)) {
      if (left.isBooleanField) return (view) => left.read(view) === true;
      throw new WhereParseError("Operator expected");
    }
    this.position += 1;
    const right = this.parseOperand();
    return compare(token.text, left.read, right.read);
  }

  private parseOperand(): { read: Operand; method?: WherePredicate; isBooleanField?: boolean } {
    const token = this.take();
    if (token.kind === "string") return { read: () => token.text };
    if (token.kind === "number") return { read: () => token.value };
    if (token.kind !== "ident") throw new WhereParseError("Expression expected");
    if (token.text === "true" || token.text === "false") return { read: () => token.text === "true" };
    if (token.text === "null") return { read: () => null };
    if (token.text === "Guid") return { read: this.parseGuid() };
    if (token.text === "DateTime") return { read: this.parseDateTime() };
    return this.parseFieldPath(token.text);
  }

  private parseGuid(): Operand {
    this.expectPunct("(");
    const value = this.take();
    if (value.kind !== "string") throw new WhereParseError("Guid expects a string");
    this.expectPunct(")");
    return () => value.text.toLowerCase();
  }

  private parseDateTime(): Operand {
    this.expectPunct("(");
    const parts: number[] = [];
    for (;;) {
      const value = this.take();
      if (value.kind !== "number") throw new WhereParseError("DateTime expects numbers");
      parts.push(value.value);
      const next = this.take();
      if (next.kind === "punct" && next.text === ")") break;
      if (next.kind !== "punct" || next.text !== ",") throw new WhereParseError("',' expected");
    }
    const [year, month, day, hour = 0, minute = 0, second = 0] = parts;
    if (year === undefined || month === undefined || day === undefined)
      throw new WhereParseError("DateTime needs year, month, day");
    const at = Date.UTC(year, month - 1, day, hour, minute, second);
    return () => at;
  }

  private parseFieldPath(first: string): { read: Operand; method?: WherePredicate; isBooleanField?: boolean } {
    const path = [first];
    let transform: ((value: unknown) => unknown) | undefined;
    while (this.peek()?.kind === "punct" && (this.peek() as { text: string }).text === ".") {
      this.position += 1;
      const name = this.take();
      if (name.kind !== "ident") throw new WhereParseError("Identifier expected");
      const next = this.peek();
      if (next?.kind === "punct" && next.text === "(") {
        this.position += 1;
        if (name.text === "ToLower" || name.text === "ToUpper") {
          this.expectPunct(")");
          const upper = name.text === "ToUpper";
          transform = (value) =>
            typeof value === "string" ? (upper ? value.toUpperCase() : value.toLowerCase()) : value;
          continue;
        }
        const method = stringMethods[name.text];
        if (method === undefined)
          throw new WhereParseError(`No applicable method '${name.text}' exists in type 'String'`);
        const argument = this.take();
        if (argument.kind !== "string") throw new WhereParseError(`${name.text} expects a string`);
        this.expectPunct(")");
        const read = this.fieldReader(path);
        return {
          read,
          method: (view) => {
            const value = read(view);
            return typeof value === "string" && method(value, argument.text);
          },
        };
      }
      path.push(name.text);
    }
    const reader = this.fieldReader(path);
    const read = transform === undefined ? reader : (view: FilterView) => transform(reader(view));
    return { read, isBooleanField: true };
  }

  private fieldReader(path: readonly string[]): Operand {
    const dotted = path.join(".");
    if (!this.fields.has(dotted))
      throw new WhereParseError(
        `No property or field '${path[path.length - 1] ?? ""}' exists in type '${this.typeName}'`,
      );
    return (view) => {
      let value: unknown = view;
      for (const segment of path) {
        if (value === null || typeof value !== "object") return null;
        value = (value as Record<string, unknown>)[segment];
      }
      return value ?? null;
    };
  }
}

function normalise(value: unknown): unknown {
  return typeof value === "string" ? value.toLowerCase() : value;
}

// String comparison ignores case: Xero's store compares with a case-insensitive collation.
function compare(operator: string, left: Operand, right: Operand): WherePredicate {
  return (view) => {
    const a = normalise(left(view));
    const b = normalise(right(view));
    switch (operator) {
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      default: {
        if (a === null || b === null || typeof a !== typeof b) return false;
        const [x, y] = [a as number | string, b as number | string];
        if (operator === ">") return x > y;
        if (operator === ">=") return x >= y;
        if (operator === "<") return x < y;
        return x <= y;
      }
    }
  };
}

/**
 * Compiles a `where` expression for a type whose filterable field paths are `fields` (e.g. "Type",
 * "Contact.ContactID"). Throws WhereParseError for what it cannot read.
 */
export function compileWhere(expression: string, typeName: string, fields: ReadonlySet<string>): WherePredicate {
  return new Parser(tokenize(expression), typeName, fields).parse();
}
