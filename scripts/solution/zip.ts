// Solution zips with deterministic bytes: entries sorted, one fixed modification time, fixed compression level.
import { strToU8, unzipSync, zipSync, type Zippable } from "fflate";

/** 1980-01-01 00:00 local: the earliest time a zip entry can carry, so it says nothing about when it was built. */
const fixedTime = new Date(1980, 0, 1, 0, 0, 0);

export const toZip = (entries: Map<string, string | Uint8Array>): Uint8Array => {
  const zippable: Zippable = {};
  for (const name of [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const content = entries.get(name) ?? "";
    zippable[name] = [typeof content === "string" ? strToU8(content) : content, { mtime: fixedTime, level: 6 }];
  }
  return zipSync(zippable);
};

export const fromZip = (bytes: Uint8Array): Map<string, Uint8Array> => new Map(Object.entries(unzipSync(bytes)));
