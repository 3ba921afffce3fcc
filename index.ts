import { program } from "./program";

// Pulumi calls an exported function and turns its result into stack outputs.
export = program;
