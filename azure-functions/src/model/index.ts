export * from "./common";
export * from "./customer";
export * from "./invoice";
export * from "./credit-note";
export * from "./reference-data";
export * from "./connector";
