import { updateReadme } from "../lib/config-docs";
import { updateArchitectureDoc } from "../lib/placement-docs";

// `npm run docs`: regenerate README.md's config reference from Pulumi.yaml and docs/architecture.md's
// placement matrix from the placement descriptors.
console.log(updateReadme() ? "README.md config reference updated" : "README.md config reference already up to date");
console.log(updateArchitectureDoc() ? "docs/architecture.md placement matrix updated" : "docs/architecture.md placement matrix already up to date");
