import { updateReadme } from "../lib/config-docs";

// `npm run docs`: regenerate README.md's config reference from Pulumi.yaml.
console.log(updateReadme() ? "README.md config reference updated" : "README.md config reference already up to date");
