// dbplace-bake: the daemonless half of a bake. The restore runs on the host
// with the engine's own binaries (components/bake/daemonless.ts); this program
// turns the restored data directory into ONE layer over the base image and
// pushes the result to a registry or writes an OCI layout / docker archive.
// No Docker daemon is involved at any point.
//
//	dbplace-bake inspect --base REF [--user postgres]   facts about the base image (JSON)
//	dbplace-bake check-push --dest REF                   can this registry take a push?
//	dbplace-bake convert --from REF --to REF --tag T      copy an image between transports
//	dbplace-bake build --spec FILE                       bake (spec and result are JSON)
//
// REF: oci:DIR, docker-archive:FILE, or a registry reference.
package main

import (
	"archive/tar"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type fileSpec struct {
	Src  string `json:"src"`
	Path string `json:"path"`
	Mode int64  `json:"mode"`
}

type buildSpec struct {
	Base        string     `json:"base"`
	Dest        string     `json:"dest"`
	Tag         string     `json:"tag"`
	User        string     `json:"user"`
	DataDir     string     `json:"dataDir"`
	DataPath    string     `json:"dataPath"`
	Files       []fileSpec `json:"files"`
	WorkDir     string     `json:"workDir"`
	Compression string     `json:"compression"`
	Config      v1.Config  `json:"config"`
	Comment     string     `json:"comment"`
	// From an earlier inspect of the same base; read from its /etc/passwd when absent.
	UID *int `json:"uid"`
	GID *int `json:"gid"`
}

type buildResult struct {
	Image         string  `json:"image"`
	Digest        string  `json:"digest"`
	LayerDigest   string  `json:"layerDigest"`
	LayerBytes    int64   `json:"layerBytes"`
	LayerTarBytes int64   `json:"layerTarBytes"`
	LayerSeconds  float64 `json:"layerSeconds"`
	WriteSeconds  float64 `json:"writeSeconds"`
	UID           int     `json:"uid"`
	GID           int     `json:"gid"`
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: dbplace-bake inspect|check-push|convert|build …"))
	}
	fl := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	base := fl.String("base", "", "base image")
	user := fl.String("user", "postgres", "user that owns the data")
	dest := fl.String("dest", "", "destination")
	from := fl.String("from", "", "source image")
	to := fl.String("to", "", "destination image")
	tag := fl.String("tag", "", "name:tag recorded in an archive or layout")
	spec := fl.String("spec", "", "build spec (JSON file)")
	_ = fl.Parse(os.Args[2:])
	var out any
	var err error
	switch os.Args[1] {
	case "inspect":
		var img v1.Image
		if img, err = openImage(*base); err == nil {
			out, err = inspectBase(img, *user)
		}
	case "check-push":
		err = checkPush(*dest)
		out = map[string]bool{"ok": err == nil}
	case "convert":
		var img v1.Image
		if img, err = openImage(*from); err == nil {
			var where string
			where, err = writeImage(*to, *tag, img)
			out = map[string]string{"image": where}
		}
	case "build":
		out, err = build(*spec)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

// fail prints one line the TypeScript side shows as the reason.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "dbplace-bake: %v\n", err)
	os.Exit(1)
}

func build(specFile string) (*buildResult, error) {
	raw, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	var s buildSpec
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", specFile, err)
	}
	if s.Compression != "gzip" && s.Compression != "none" {
		return nil, fmt.Errorf("compression must be gzip or none, got %q", s.Compression)
	}
	t0 := time.Now()
	img, err := openImage(s.Base)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", s.Base, err)
	}
	if s.UID == nil || s.GID == nil {
		facts, err := inspectBase(img, s.User)
		if err != nil {
			return nil, err
		}
		s.UID, s.GID = &facts.UID, &facts.GID
	}
	mt, err := img.MediaType()
	if err != nil {
		return nil, err
	}
	docker := mt == types.DockerManifestSchema2
	gz := s.Compression == "gzip"
	o := owner{uid: *s.UID, gid: *s.GID, uname: s.User, gname: s.User}

	// The runtime config first (the layers' diff IDs and history are appended to it): the whole of it
	// is ours, nothing of the base's (its VOLUME above all, which would give each replica an anonymous
	// volume) survives.
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config = s.Config
	cf.Created = v1.Time{Time: time.Now().UTC()}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}

	// The start script (same bytes every bake, so one shared blob), then the data.
	files, err := writeLayer(filepath.Join(s.WorkDir, "files.layer"), gz, docker, func(t *tar.Writer) error {
		for _, f := range s.Files {
			if err := addFile(t, f.Src, f.Path, f.Mode); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("writing the start script layer: %w", err)
	}
	fill := func(t *tar.Writer) error {
		if err := addDir(t, path.Dir(s.DataPath), 0o755, o, time.Now().Truncate(time.Second)); err != nil {
			return err
		}
		return addTree(t, s.DataDir, s.DataPath, o)
	}
	filesLayer, err := files.layer()
	if err != nil {
		return nil, err
	}
	history := func() v1.History {
		return v1.History{CreatedBy: "dbplace-bake " + s.Comment, Created: v1.Time{Time: time.Now()}}
	}
	adds := []mutate.Addendum{{Layer: filesLayer, MediaType: files.mediaType, History: history()}}
	var data *fileLayer
	var streamed *streamedLayer
	if isRegistry(s.Dest) {
		// Straight from the data directory to the registry: no layer file written and read back.
		streamed = streamLayer(gz, docker, fill)
		adds = append(adds, mutate.Addendum{Layer: streamed.layer, MediaType: streamed.mediaType, History: history()})
	} else {
		if data, err = writeLayer(filepath.Join(s.WorkDir, "data.layer"), gz, docker, fill); err != nil {
			return nil, fmt.Errorf("writing the data layer from %s: %w", s.DataDir, err)
		}
		dataLayer, err := data.layer()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: dataLayer, MediaType: data.mediaType, History: history()})
	}
	tLayer := time.Since(t0)
	out, err := mutate.Append(img, adds...)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	where, err := writeImage(s.Dest, s.Tag, out)
	if err != nil {
		return nil, err
	}
	if streamed != nil {
		if err := streamed.wait(); err != nil {
			return nil, fmt.Errorf("writing the data layer from %s: %w", s.DataDir, err)
		}
	}
	d, err := out.Digest()
	if err != nil {
		return nil, err
	}
	r := &buildResult{Image: where, Digest: d.String(), LayerSeconds: tLayer.Seconds(), WriteSeconds: time.Since(t1).Seconds(), UID: o.uid, GID: o.gid}
	if data != nil {
		r.LayerDigest, r.LayerBytes, r.LayerTarBytes = data.digest.String(), data.size, data.tarBytes
	} else {
		dg, _ := streamed.layer.Digest()
		r.LayerDigest, r.LayerTarBytes = dg.String(), streamed.tarBytes
		r.LayerBytes, _ = streamed.layer.Size()
	}
	return r, nil
}
