// Command pulumi-resource-docker serves the (bridged, partial) docker provider; see package info.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"dbplace.local/toolchain/pulumi-docker/info"
)

//go:embed schema.json
var schema []byte

func main() { tfbridge.Main("docker", info.Version, info.Provider(), schema) }
