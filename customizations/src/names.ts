// Names derived from declarations, shared by the model check and the generator so both agree.

/** Code constant of an option: its key, or its label in PascalCase without parenthesised notes. */
export const optionKey = (option: { key?: string | undefined; label: string }): string =>
  option.key ??
  option.label
    .replace(/\(.*?\)/g, " ")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
