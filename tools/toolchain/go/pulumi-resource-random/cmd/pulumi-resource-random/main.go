// Command pulumi-resource-random serves the random provider. schema.json is written by
// pulumi-tfgen-random during build.sh and embedded here.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"dbplace.local/toolchain/pulumi-random/info"
)

//go:embed schema.json
var schema []byte

func main() {
	pftfbridge.Main(context.Background(), "random", info.Provider(), pftfbridge.ProviderMetadata{PackageSchema: schema})
}
