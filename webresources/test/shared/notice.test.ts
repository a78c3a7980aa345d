import { toShortList } from "../../src/shared/notice";

describe("toShortList", () => {
  it.each([
    [[], ""],
    [["a"], "a"],
    [["a", "b"], "a and b"],
    [["a", "b", "c"], "a, b and c"],
    [["a", "b", "c", "d"], "a, b, c and 1 more"],
    [["a", "b", "c", "d", "e"], "a, b, c and 2 more"],
  ])("%p → %p", (items, expected) => {
    expect(toShortList(items)).toBe(expected);
  });
});
