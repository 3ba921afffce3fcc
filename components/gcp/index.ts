export * from "./managed";
export * from "./vm";
export * from "./cluster";
export * from "./baked";
export * from "./network";
export * from "./gke";
export * from "./monitoring";
