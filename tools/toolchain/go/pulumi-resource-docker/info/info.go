// Package info maps the upstream Terraform docker provider (kreuzwerker/terraform-provider-docker,
// its terraform-plugin-sdk/v2 half) onto the Pulumi `docker` package tokens used by @pulumi/docker.
//
// github.com/pulumi/pulumi-docker/provider/* is not
// served by the Go module proxy reachable from this machine, so this is NOT pulumi-docker: it has no
// docker.Image (docker:index/image:Image, pulumi-docker's own buildx-based resource) and none of
// pulumi-docker's doc overrides. Every other resource/function of @pulumi/docker 5.2.0 is mapped, and
// every property name matches the SDK's (checked against @pulumi/docker 5.2.0's generated JS/types).
package info

import (
	_ "embed"

	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is stamped at build time.
var Version = "0.0.0-dev"

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func res(name string) *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Tok: tokens.Type("docker:index/" + lower(name) + ":" + name)}
}

func fn(name string) *tfbridge.DataSourceInfo {
	return &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember("docker:index/" + name + ":" + name)}
}

func lower(s string) string { return string(s[0]+'a'-'A') + s[1:] }

// Provider returns the bridge ProviderInfo for the docker package.
func Provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider(Version)),
		Name:        "docker",
		Version:     Version,
		Description: "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:    []string{"pulumi", "docker"},
		License:     "Apache-2.0",
		Homepage:    "https://pulumi.io",
		Repository:  "https://github.com/pulumi/pulumi-docker",
		// pulumi-docker keeps the provider's registry_auth singular, and @pulumi/docker sends it so.
		Config: map[string]*tfbridge.SchemaInfo{
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_buildx_builder": res("BuildxBuilder"),
			"docker_config":         res("ServiceConfig"),
			"docker_container": {
				Tok: res("Container").Tok,
				// pulumi-docker keeps these list fields singular (the bridge would pluralize them).
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok: res("RemoteImage").Tok,
				// The name is the image reference, always given: a new reference (a new tag) cannot collide
				// with the old one, so the replacement is created first and dependents roll before it goes.
				UniqueNameFields: []string{"name"},
			},
			"docker_network":        res("Network"),
			"docker_plugin":         res("Plugin"),
			"docker_registry_image": res("RegistryImage"),
			"docker_secret":         res("Secret"),
			"docker_service":        res("Service"),
			"docker_tag":            res("Tag"),
			"docker_volume":         res("Volume"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    fn("getRemoteImage"),
			"docker_logs":                     fn("getLogs"),
			"docker_network":                  fn("getNetwork"),
			"docker_plugin":                   fn("getPlugin"),
			"docker_registry_image":           fn("getRegistryImage"),
			"docker_registry_image_manifests": fn("getRegistryImageManifests"),
		},
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
	}
	// As pulumi-docker: a `name` left out is generated from the resource name plus a random suffix, so
	// a replacement can be created before the resource it replaces is deleted.
	prov.SetAutonaming(255, "-")
	return prov
}
