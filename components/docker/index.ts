export * from "./database";
export * from "./baked";
export * from "./streaming";
export * from "./replica-args";
