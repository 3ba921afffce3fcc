// Package shim exposes the upstream docker provider's internal/provider package (its module path lies
// under github.com/terraform-providers/terraform-provider-docker, the path the upstream go.mod declares).
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream terraform-plugin-sdk/v2 provider.
func NewProvider(version string) *schema.Provider { return provider.New(version)() }
