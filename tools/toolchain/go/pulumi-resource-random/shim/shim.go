// Package shim exposes the upstream random provider's internal/provider package. Its module path
// lies under github.com/terraform-providers/terraform-provider-random, which is what lets it import
// that module's internal package (the same trick as pulumi-random's provider/shim module).
package shim

import (
	tfpf "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream terraform-plugin-framework provider.
func NewProvider() tfpf.Provider { return provider.New() }
