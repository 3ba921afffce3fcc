export * from "./schema";
export * from "./presets";
export * from "./engines";
export * from "./errors";
export * from "./cron";
export * from "./validate";
export * from "./read";
export { OBJECT_KEYS, BOOLEAN_KEYS, INTEGER_KEYS, TOP_LEVEL_KEYS } from "./raw";
