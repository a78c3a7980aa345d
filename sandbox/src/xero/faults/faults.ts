// Faults on demand: the next N matching calls (or each with a probability) fail the way Xero sometimes does, so the
// service's retry, idempotency and reconnect paths can be proven.

export type FaultKind = "429" | "500" | "503" | "slow" | "drop-after-commit" | "revoke";

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching calls it hits; unlimited when neither count nor probability is given: once. */
  count?: number;
  /** Each matching call is hit with this probability (0..1); with `count`, at most that many. */
  probability?: number;
  /** For `slow`: how long to wait before answering (real milliseconds, not the emulated clock). */
  delayMs?: number;
  match?: { method?: string; path?: string };
}

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  remaining: number;
}

export interface FaultSnapshot {
  id: number;
  kind: FaultKind;
  remaining: number | null;
  probability: number | null;
}

export class Faults {
  private active: ActiveFault[] = [];
  private nextId = 1;
  private hits = 0;

  constructor(private readonly random: () => number = Math.random) {}

  inject(spec: FaultSpec): number {
    const remaining = spec.count ?? (spec.probability === undefined ? 1 : Number.POSITIVE_INFINITY);
    if (!(remaining > 0)) throw new RangeError("a fault needs a positive count");
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1))
      throw new RangeError("probability is between 0 and 1");
    const id = this.nextId++;
    this.active.push({ id, spec, remaining });
    return id;
  }

  clear(): void {
    this.active = [];
  }

  list(): FaultSnapshot[] {
    return this.active.map((fault) => ({
      id: fault.id,
      kind: fault.spec.kind,
      remaining: Number.isFinite(fault.remaining) ? fault.remaining : null,
      probability: fault.spec.probability ?? null,
    }));
  }

  /** How many calls a fault has hit since the emulator started. */
  injectedCount(): number {
    return this.hits;
  }

  /** The faults that hit this call (at most one of each kind); consumes their counts. */
  take(method: string, path: string): FaultSpec[] {
    const taken: FaultSpec[] = [];
    const kinds = new Set<FaultKind>();
    for (const fault of this.active) {
      if (kinds.has(fault.spec.kind) || !matches(fault.spec, method, path)) continue;
      if (fault.spec.probability !== undefined && this.random() >= fault.spec.probability) continue;
      fault.remaining -= 1;
      kinds.add(fault.spec.kind);
      taken.push(fault.spec);
    }
    this.active = this.active.filter((fault) => fault.remaining > 0);
    this.hits += taken.length;
    return taken;
  }
}

// `path` matches the API path (after /api.xro/2.0) by case-insensitive prefix, e.g. "/Invoices".
function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.match?.method !== undefined && spec.match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (spec.match?.path !== undefined && !path.toLowerCase().startsWith(spec.match.path.toLowerCase())) return false;
  return true;
}
