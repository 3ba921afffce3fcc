# Sourced by build.sh for the pulumi-resource-docker component.
# See go/pulumi-resource-docker/info/info.go for what this provider is and is not.

build_docker_provider() {
  local src="$1" out="$2" fork; fork=($(split_at "$TF_PLUGIN_SDK_V2_FORK"))
  newmod "$src"; cd "$src"
  cp -r "$HERE/go/pulumi-resource-docker/." .
  cat > go.mod <<EOM
module dbplace.local/toolchain/pulumi-docker

go 1.25

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 $TF_BRIDGE_VERSION
	github.com/terraform-providers/terraform-provider-docker/shim v0.0.0
)

replace github.com/terraform-providers/terraform-provider-docker/shim => ./shim

replace github.com/hashicorp/terraform-plugin-sdk/v2 => ${fork[0]} ${fork[1]}

// pulumi-docker replaces this with ../upstream (a git submodule, not in any module zip). The proxy
// serves the same code as github.com/kreuzwerker/terraform-provider-docker, whose go.mod declares
// the terraform-providers path.
replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker $TF_DOCKER_MODULE
EOM
  cat > shim/go.mod <<EOM
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25

require github.com/terraform-providers/terraform-provider-docker v0.0.0

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker $TF_DOCKER_MODULE
EOM
  (cd shim && go mod tidy)
  echo '{}' > info/bridge-metadata.json
  echo '{}' > cmd/pulumi-resource-docker/schema.json
  go mod tidy
  local ld="-X dbplace.local/toolchain/pulumi-docker/info.Version=$DOCKER_PROVIDER_STAMP"
  gobuild "$ld" "$src/.tfgen" ./cmd/pulumi-tfgen-docker
  rm -rf "$src/.schema"
  "$src/.tfgen/pulumi-tfgen-docker" schema --out "$src/.schema"
  cp "$src/.schema/schema.json" cmd/pulumi-resource-docker/schema.json
  cp "$src/.schema/bridge-metadata.json" info/bridge-metadata.json
  gobuild "$ld" "$out/bin" ./cmd/pulumi-resource-docker
}
