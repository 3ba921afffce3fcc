// Command pulumi-tfgen-docker writes schema.json and bridge-metadata.json (`schema --out DIR`).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"dbplace.local/toolchain/pulumi-docker/info"
)

func main() { tfgen.Main("docker", info.Version, info.Provider()) }
