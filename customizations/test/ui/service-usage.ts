// What the sync service does to each Dataverse table, read from azure-functions/src as text (the service may not be
// imported here). Pure pattern matching over the shapes that code uses: port calls with a generated table constant
// (`dataverse.create(invoice.entitySetName, …)`), $batch operations (`method: "POST", path: mag_xerosynclog.entitySetName`),
// lookups set with @odata.bind (Append on the row, AppendTo on the target) and N:N `$ref` associations. What it cannot
// resolve (a helper's `table` parameter) is reported, so the role test classifies it by hand and notices new ones.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export type Access = "Create" | "Read" | "Write" | "Delete" | "Append" | "AppendTo";

export interface Usage {
  table: string;
  access: Access;
  /** The file (relative to azure-functions/src) the usage was found in. */
  file: string;
}

export interface ManyToManyInfo {
  schemaName: string;
  entity1: string;
  entity2: string;
}

export interface SourceScan {
  usages: Usage[];
  /** `file: identifier` for `identifier.entitySetName` / `identifier.navigation…` that is no generated table constant. */
  unresolved: string[];
  /** Entity sets named by a string literal (`"solutions"`, `"EntityDefinitions"`), as `file: name`. */
  literalSets: string[];
}

const identifier = String.raw`[A-Za-z_$][\w$]*`;

/** Names imported from the generated Dataverse constants. */
function generatedImports(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(
    /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"[./]*(?:\.\.\/)*generated\/dataverse"/g,
  ))
    for (const part of (match[1] ?? "").split(","))
      names.add(
        part
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)
          .pop() ?? "",
      );
  names.delete("");
  return names;
}

/** The object literal around `index` (from its `{` to the matching `}`). */
function enclosingObject(text: string, index: number): string {
  let depth = 0;
  let start = index;
  for (; start > 0; start--) {
    const char = text[start];
    if (char === "}") depth++;
    if (char === "{") {
      if (depth === 0) break;
      depth--;
    }
  }
  depth = 0;
  for (let end = start; end < text.length; end++) {
    const char = text[end];
    if (char === "{") depth++;
    if (char === "}") {
      depth--;
      if (depth === 0) return text.slice(start, end + 1);
    }
  }
  return text.slice(start);
}

export interface Schema {
  tables: ReadonlySet<string>;
  manyToMany: readonly ManyToManyInfo[];
  /** One-to-many relationship name (collection-valued navigation property) → child table. */
  collections: ReadonlyMap<string, string>;
}

export function scanSource(file: string, text: string, { tables, manyToMany, collections }: Schema): SourceScan {
  const imported = generatedImports(text);
  const isTable = (name: string): boolean => imported.has(name) && tables.has(name);
  const usages: Usage[] = [];
  const unresolved = new Set<string>();
  const literalSets: string[] = [];
  const use = (name: string, ...accesses: Access[]): void => {
    if (!isTable(name)) {
      unresolved.add(`${file}: ${name}`);
      return;
    }
    for (const access of accesses) usages.push({ table: name, access, file });
  };

  // `const nav = invoice.navigation;`
  const aliases = new Map<string, string[]>();
  for (const match of text.matchAll(
    new RegExp(String.raw`const\s+(${identifier})\s*=\s*(${identifier})\.navigation\s*;`, "g"),
  )) {
    const [, alias = "", table = ""] = match;
    aliases.set(alias, [...(aliases.get(alias) ?? []), table]);
  }
  /** A lookup's navigation expression (`invoice.navigation.customerid.account`, `nav.customerid.account`). */
  const lookupOf = (expression: string): { sources: string[]; target: string } | undefined => {
    const [root = "", ...rest] = expression.split(".");
    if (rest[0] === "navigation" && rest.length === 3) return { sources: [root], target: rest[2] ?? "" };
    const aliased = aliases.get(root);
    if (aliased !== undefined && rest.length === 2) return { sources: aliased, target: rest[1] ?? "" };
    return undefined;
  };
  const setLookup = (expression: string): void => {
    const lookup = lookupOf(expression);
    if (lookup === undefined) return;
    for (const source of lookup.sources) use(source, "Append");
    use(lookup.target, "AppendTo");
  };
  const each = (pattern: string, handle: (match: RegExpMatchArray) => void): void => {
    for (const match of text.matchAll(new RegExp(pattern, "g"))) handle(match);
  };
  const set = String.raw`(${identifier})\.entitySetName`;
  const generics = String.raw`(?:<[^()]*>)?`;

  // Reads: the port's retrieve calls, and helpers that take (dataverse, entity set, …) or (entity set, …).
  each(String.raw`\b(?:retrieve\w*|inChunks|find\w*)${generics}\(\s*(?:${identifier}\s*,\s*)?${set}`, (m) =>
    use(m[1] ?? "", "Read"),
  );
  each(String.raw`\bretrieve\w*${generics}\(\s*"(\w+)"`, (m) => literalSets.push(`${file}: ${m[1] ?? ""}`));
  each(String.raw`method:\s*"GET",\s*path:\s*\`?\$?\{?${set}`, (m) => use(m[1] ?? "", "Read"));
  // Expanded lookups read their target table.
  each(String.raw`property:\s*(${identifier}(?:\.\w+)+)`, (m) => {
    const lookup = lookupOf(m[1] ?? "");
    if (lookup !== undefined) use(lookup.target, "Read");
  });
  // A one-to-many relationship named in the code (`$expand` of a collection) reads the child table.
  each(String.raw`"(\w+)"`, (m) => {
    const child = collections.get(m[1] ?? "");
    if (child !== undefined) usages.push({ table: child, access: "Read", file });
  });
  // Creates, updates (PATCH by an alternate key without If-Match is an upsert: Create as well), deletes.
  each(String.raw`\.create\(\s*${set}`, (m) => use(m[1] ?? "", "Create"));
  each(String.raw`\.upsert\(\s*${set}`, (m) => use(m[1] ?? "", "Create", "Write"));
  each(String.raw`method:\s*"POST",\s*path:\s*${set}\s*,`, (m) => use(m[1] ?? "", "Create"));
  each(String.raw`\.update\(\s*${set}`, (m) => use(m[1] ?? "", "Write"));
  each(String.raw`method:\s*"PATCH",\s*path:\s*\`\$\{${set}\}\$\{toKeySegment\((\{)?`, (m) => {
    const upsert = m[2] === "{" && !enclosingObject(text, m.index ?? 0).includes('"If-Match"');
    use(m[1] ?? "", ...(upsert ? (["Create", "Write"] as const) : (["Write"] as const)));
  });
  each(String.raw`\.delete\(\s*${set}`, (m) => use(m[1] ?? "", "Delete"));
  // Lookups set on create or update.
  each(String.raw`\b(?:toBind|bind)\(([^()]*)\)`, (m) => {
    for (const argument of (m[1] ?? "").split(",")) setLookup(argument.trim());
  });
  each(String.raw`\$\{(${identifier}(?:\.\w+)+)\}@odata\.bind`, (m) => {
    const expression = m[1] ?? "";
    const [root = ""] = expression.split(".");
    if (lookupOf(expression) === undefined && !aliases.has(root)) unresolved.add(`${file}: ${root}`);
    else setLookup(expression);
  });
  // N:N associations: Append and AppendTo on both tables.
  each(String.raw`\.(?:associate|disassociate)\(\s*${set}[^;]*?,\s*${set}`, (m) => {
    use(m[1] ?? "", "Append", "AppendTo");
    use(m[2] ?? "", "Append", "AppendTo");
  });
  if (text.includes("/$ref"))
    each(String.raw`\bmanyToMany\.(\w+)`, (m) => {
      const relationship = manyToMany.find((r) => r.schemaName === m[1]);
      if (relationship === undefined) return;
      for (const table of [relationship.entity1, relationship.entity2])
        for (const access of ["Append", "AppendTo"] as const) usages.push({ table, access, file });
    });
  // Any other `x.entitySetName` on something that is not a table constant.
  each(set, (m) => {
    if (!isTable(m[1] ?? "")) unresolved.add(`${file}: ${m[1] ?? ""}`);
  });

  return { usages, unresolved: [...unresolved], literalSets };
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });

/** Every file of the service's source, scanned. */
export function scanService(sourceRoot: string, schema: Schema): SourceScan {
  const scans = sourceFiles(sourceRoot).map((path) =>
    scanSource(relative(sourceRoot, path).split("\\").join("/"), readFileSync(path, "utf8"), schema),
  );
  return {
    usages: scans.flatMap((scan) => scan.usages),
    unresolved: [...new Set(scans.flatMap((scan) => scan.unresolved))].sort(),
    literalSets: [...new Set(scans.flatMap((scan) => scan.literalSets))].sort(),
  };
}
