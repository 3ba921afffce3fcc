// Package info maps the upstream Terraform random provider (terraform-plugin-framework) onto the
// Pulumi `random` package tokens that the @pulumi/random npm SDK uses, through
// github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf.
//
// Why it exists: github.com/pulumi/pulumi-random/provider/v4 is not served by the Go module proxy
// reachable from this machine, while the bridge and the upstream Terraform provider are. The token
// names below are the ones in @pulumi/random's generated JS (`random:index/<camel>:<Pascal>`);
// property names follow the bridge's default translation (bcrypt_hash -> bcryptHash), which is what
// the SDK expects.
package info

import (
	"context"
	_ "embed"
	"fmt"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is stamped at build time (-X .../info.Version=…).
var Version = "0.0.0-dev"

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func tok(res string) tokens.Type {
	file := string(unicode.ToLower(rune(res[0]))) + res[1:]
	return tokens.Type("random:index/" + file + ":" + res)
}

// random_bytes has no natural id; use its base64 value as upstream pulumi-random does.
func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes: no base64 property in state")
	}
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", fmt.Errorf("random_bytes: base64 is not a string")
	}
	return resource.ID(b.StringValue()), nil
}

// Provider returns the bridge ProviderInfo for the random package.
func Provider() tfbridge.ProviderInfo {
	return tfbridge.ProviderInfo{
		Name:        "random",
		P:           pftfbridge.ShimProvider(shim.NewProvider()),
		Version:     Version,
		Description: "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:    []string{"pulumi", "random"},
		License:     "Apache-2.0",
		Homepage:    "https://pulumi.io",
		Repository:  "https://github.com/pulumi/pulumi-random",
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_bytes":    {Tok: tok("RandomBytes"), ComputeID: bytesID},
			"random_id":       {Tok: tok("RandomId")},
			"random_integer":  {Tok: tok("RandomInteger")},
			"random_password": {Tok: tok("RandomPassword")},
			"random_pet":      {Tok: tok("RandomPet")},
			"random_shuffle":  {Tok: tok("RandomShuffle")},
			"random_string":   {Tok: tok("RandomString")},
			"random_uuid":     {Tok: tok("RandomUuid")},
			"random_uuid4":    {Tok: tok("RandomUuid4")},
			"random_uuid7":    {Tok: tok("RandomUuid7")},
		},
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
	}
}
