// One organisation's rows, held in memory. Rows are never mutated in place (every write stores a new object), so a
// snapshot is a shallow copy of the maps and a change set rolls back by restoring it.

export interface LookupValue {
  id: string;
  table: string;
}

export type StoredValue = string | number | boolean | null | LookupValue;
export type Row = Readonly<Record<string, StoredValue>>;

export interface StoreSnapshot {
  tables: Map<string, Map<string, Row>>;
  associations: Map<string, Set<string>>;
  version: number;
}

export const isLookupValue = (value: unknown): value is LookupValue =>
  typeof value === "object" && value !== null && "id" in value && "table" in value;

export class OrgStore {
  private tables = new Map<string, Map<string, Row>>();
  /** Many-to-many links: relationship schema name → "entity1Id|entity2Id". */
  private associations = new Map<string, Set<string>>();
  private version = 1_000_000;

  nextVersion(): number {
    this.version += 1;
    return this.version;
  }

  private rows(table: string): Map<string, Row> {
    let rows = this.tables.get(table);
    if (rows === undefined) {
      rows = new Map();
      this.tables.set(table, rows);
    }
    return rows;
  }

  get(table: string, id: string): Row | undefined {
    return this.tables.get(table)?.get(id.toLowerCase());
  }

  list(table: string): Row[] {
    return [...(this.tables.get(table)?.values() ?? [])];
  }

  put(table: string, id: string, row: Row): void {
    this.rows(table).set(id.toLowerCase(), row);
  }

  remove(table: string, id: string): boolean {
    return this.tables.get(table)?.delete(id.toLowerCase()) ?? false;
  }

  links(relationship: string): Set<string> {
    let links = this.associations.get(relationship);
    if (links === undefined) {
      links = new Set();
      this.associations.set(relationship, links);
    }
    return links;
  }

  snapshot(): StoreSnapshot {
    return {
      tables: new Map([...this.tables].map(([name, rows]) => [name, new Map(rows)])),
      associations: new Map([...this.associations].map(([name, links]) => [name, new Set(links)])),
      version: this.version,
    };
  }

  restore(snapshot: StoreSnapshot): void {
    this.tables = snapshot.tables;
    this.associations = snapshot.associations;
    this.version = snapshot.version;
  }
}
