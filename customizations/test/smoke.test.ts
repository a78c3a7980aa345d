describe("toolchain", () => {
  it("runs TypeScript tests", () => {
    const sum: number = [1, 2].reduce((a, b) => a + b, 0);
    expect(sum).toBe(3);
  });
});
