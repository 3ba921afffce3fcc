export * from "./database";
export * from "./baked";
export * from "./streaming";
export * from "./sidecar";
export * from "./provider";
export { objectNames, selectorLabels } from "./labels";
