import fc from "fast-check";
import { toIdempotencyKey } from "../../../src/adapters/xero/idempotency";

describe("toIdempotencyKey", () => {
  const parts = [
    { id: "AAA", attempt: 0 },
    { id: "bbb", attempt: 2 },
  ];
  test("the same records, attempts and request give the same key, in any order and case", () => {
    expect(toIdempotencyKey("invoices", parts, { a: 1 })).toBe(
      toIdempotencyKey(
        "invoices",
        [
          { id: "BBB", attempt: 2 },
          { id: "aaa", attempt: 0 },
        ],
        { a: 1 },
      ),
    );
  });
  test("a new push attempt, another request or another operation gives a new key", () => {
    const key = toIdempotencyKey("invoices", parts, { a: 1 });
    expect(
      toIdempotencyKey("invoices", [{ id: "AAA", attempt: 1 }, parts[1] ?? { id: "", attempt: 0 }], { a: 1 }),
    ).not.toBe(key);
    expect(toIdempotencyKey("invoices", parts, { a: 2 })).not.toBe(key);
    expect(toIdempotencyKey("contacts", parts, { a: 1 })).not.toBe(key);
  });
  test("never longer than Xero's 128 characters", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.array(fc.record({ id: fc.uuid(), attempt: fc.nat() }), { maxLength: 60 }),
        (operation, keyParts) => toIdempotencyKey(operation, keyParts).length <= 128,
      ),
    );
  });
});
