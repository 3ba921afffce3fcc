// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider from the
// github.com/pulumi/pulumi-kubernetes/provider/v4 module.
//
// The module's own cmd/pulumi-resource-kubernetes embeds schema-embed.json and
// terraform-mapping-embed.json, which `go generate` writes and which are not in the module zip.
// build.sh writes them from the module's schema.json (with "version" set) and
// terraform-mapping.json next to this file before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
