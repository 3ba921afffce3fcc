// Command pulumi-language-nodejs is a small Node.js language host for the Pulumi engine.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) and that module is not served
// by the Go module proxy reachable from this machine. This host is written against the same gRPC
// protocol (pulumirpc from github.com/pulumi/pulumi/sdk/v3, same version as the CLI) and runs the
// program the same way the upstream host does: it starts `node <@pulumi/pulumi/cmd/run> --monitor=…
// --engine=… … <entry>` with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS / PULUMI_NODEJS_* in the
// environment, so everything after process start is the real @pulumi/pulumi runtime.
//
// Supported: Handshake, GetPluginInfo, GetRequiredPlugins, GetRequiredPackages (walks the program's
// package.json dependency tree and reports packages whose package.json has `pulumi.resource: true`),
// Run, About, GetProgramDependencies, InstallDependencies (runs `npm install` only when node_modules
// is missing), RuntimeOptionsPrompts (none). Not supported: codegen (GenerateProgram/Project/Package),
// Pack, RunPlugin (dynamic providers written in Node, policy packs run through the host), bun/yarn/pnpm
// specifics, parameterized packages.
//
// Runtime options read from Pulumi.yaml `runtime.options`: typescript (default true), tsconfig,
// nodeargs, transpileonly.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped at build time with -X main.version=….
var version = "0.0.0-dev"

// Exit code the @pulumi/pulumi run script uses after it has already shown an actionable message.
const exitAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

func main() {
	h := &host{}
	for _, a := range os.Args[1:] {
		switch {
		case strings.HasPrefix(a, "-tracing="), strings.HasPrefix(a, "--tracing="):
			h.tracing = a[strings.Index(a, "=")+1:]
		case strings.HasPrefix(a, "-"):
			// -root=…, logging flags (-v=…, --logtostderr, …): not needed here.
		default:
			h.engineAddress = a
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if h.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Minute, cancel); err != nil {
			fmt.Fprintf(os.Stderr, "could not start health check: %v\n", err)
			os.Exit(1)
		}
	}
	stop := make(chan bool)
	go func() { <-ctx.Done(); close(stop) }()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// ---- dependency discovery -------------------------------------------------------------------

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Main            string            `json:"main"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// resolvePackage finds the directory of package `name` as Node's resolver would from `fromDir`.
func resolvePackage(fromDir, name string) string {
	dir := fromDir
	for {
		cand := filepath.Join(dir, "node_modules", filepath.FromSlash(name))
		if st, err := os.Stat(filepath.Join(cand, "package.json")); err == nil && !st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

type depInfo struct {
	name, version string
	pkg           *packageJSON
}

// walkDependencies returns every package reachable from the program's package.json (dependencies
// and devDependencies of the root, dependencies of everything below), deduplicated by directory.
func walkDependencies(programDir string) ([]depInfo, error) {
	root, err := readPackageJSON(filepath.Join(programDir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the program's package.json: %w", err)
	}
	seen := map[string]bool{}
	var out []depInfo
	var visit func(fromDir string, deps map[string]string)
	visit = func(fromDir string, deps map[string]string) {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			dir := resolvePackage(fromDir, n)
			if dir == "" {
				continue // not installed (optional dependency, or npm install not run)
			}
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				real = dir
			}
			if seen[real] {
				continue
			}
			seen[real] = true
			p, err := readPackageJSON(filepath.Join(dir, "package.json"))
			if err != nil {
				continue
			}
			out = append(out, depInfo{name: n, version: p.Version, pkg: p})
			visit(dir, p.Dependencies)
		}
	}
	all := map[string]string{}
	for k, v := range root.Dependencies {
		all[k] = v
	}
	for k, v := range root.DevDependencies {
		all[k] = v
	}
	visit(programDir, all)
	return out, nil
}

func pluginDeps(programDir string) ([]*pulumirpc.PackageDependency, error) {
	deps, err := walkDependencies(programDir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	for _, d := range deps {
		p := d.pkg.Pulumi
		if p == nil || !p.Resource {
			continue
		}
		name := p.Name
		if name == "" {
			name = strings.TrimPrefix(d.name, "@pulumi/")
		}
		ver := p.Version
		if ver == "" {
			ver = d.pkg.Version
		}
		ver = strings.TrimPrefix(ver, "v")
		key := name + "@" + ver
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, &pulumirpc.PackageDependency{
			Kind: "resource", Name: name, Version: "v" + ver, Server: p.Server,
		})
	}
	return out, nil
}

func programDirOf(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return pwd
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := pluginDeps(programDirOf(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := pluginDeps(programDirOf(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	deps, err := walkDependencies(programDirOf(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	var out []*pulumirpc.DependencyInfo
	for _, d := range deps {
		out = append(out, &pulumirpc.DependencyInfo{Name: d.name, Version: d.version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}

// ---- running the program ----------------------------------------------------------------------

type options struct {
	typescript    bool
	tsconfig      string
	nodeargs      string
	transpileOnly bool
}

func parseOptions(s *structpb.Struct) options {
	o := options{typescript: true}
	if s == nil {
		return o
	}
	m := s.AsMap()
	if v, ok := m["typescript"].(bool); ok {
		o.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		o.nodeargs = v
	}
	if v, ok := m["transpileonly"].(bool); ok {
		o.transpileOnly = v
	}
	return o
}

func locateRunScript(node, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	cmd := exec.Command(node, "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find @pulumi/pulumi from %s (run npm install?): %w", dir, err)
	}
	return string(out), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on $PATH"}, nil
	}
	info := req.GetInfo()
	programDir := programDirOf(info, req.GetPwd())
	runScript, err := locateRunScript(node, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := parseOptions(info.GetOptions())

	args := strings.Fields(opts.nodeargs)
	args = append(args, runScript)
	if req.GetMonitorAddress() != "" {
		args = append(args, "--monitor="+req.GetMonitorAddress())
	}
	if h.engineAddress != "" {
		args = append(args, "--engine="+h.engineAddress)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	args = append(args, "--project="+req.GetProject(), "--stack="+req.GetStack())
	if info.GetRootDirectory() != "" {
		args = append(args, "--root-directory="+info.GetRootDirectory())
	}
	args = append(args, "--pwd="+req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if h.tracing != "" {
		args = append(args, "--tracing="+h.tracing)
	}
	entry := "."
	if info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	} else if req.GetProgram() != "" {
		entry = req.GetProgram()
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfg), "PULUMI_CONFIG_SECRET_KEYS="+string(sk))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	if opts.transpileOnly {
		env = append(env, "PULUMI_NODEJS_TRANSPILE_ONLY=true")
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.ExitStatus() == exitAfterUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d",
				exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---- the rest -------------------------------------------------------------------------------

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := programDirOf(req.GetInfo(), req.GetDirectory())
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		return nil
	}
	cmd := exec.CommandContext(server.Context(), "npm", "install")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if len(out) > 0 {
		_ = server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out})
	}
	return err
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "could not find node on $PATH")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"host": "dbplace toolchain pulumi-language-nodejs " + version},
	}, nil
}
