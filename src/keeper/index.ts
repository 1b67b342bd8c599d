export * from "./errors.js";
export * from "./keeper.js";
