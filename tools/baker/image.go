package main

// Where images come from and go to. References use skopeo's transport names:
// oci:DIR (an OCI image layout), docker-archive:FILE (docker save / docker load),
// anything else is a registry reference (plain HTTP only for loopback and
// private addresses, as go-containerregistry decides from the host).

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const (
	ociPrefix     = "oci:"
	archivePrefix = "docker-archive:"
)

// openImage reads an image from any of the three transports.
func openImage(ref string) (v1.Image, error) {
	switch {
	case strings.HasPrefix(ref, ociPrefix):
		dir := strings.TrimPrefix(ref, ociPrefix)
		p, err := layout.FromPath(dir)
		if err != nil {
			return nil, fmt.Errorf("%s is not an OCI image layout: %w", dir, err)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			return nil, err
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		if len(m.Manifests) == 0 {
			return nil, fmt.Errorf("the OCI layout %s holds no image", dir)
		}
		// The newest entry: layouts we write hold one image.
		return idx.Image(m.Manifests[len(m.Manifests)-1].Digest)
	case strings.HasPrefix(ref, archivePrefix):
		file := strings.TrimPrefix(ref, archivePrefix)
		if _, err := os.Stat(file); err != nil {
			return nil, err
		}
		return tarball.ImageFromPath(file, nil)
	default:
		r, err := name.ParseReference(ref)
		if err != nil {
			return nil, err
		}
		img, err := remote.Image(r, remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return nil, registryError(r.Context().RegistryStr(), err)
		}
		return img, nil
	}
}

// writeImage sends img to dest and returns where it went (repo@digest for a push).
func writeImage(dest, tag string, img v1.Image) (string, error) {
	switch {
	case strings.HasPrefix(dest, ociPrefix):
		dir := strings.TrimPrefix(dest, ociPrefix)
		p, err := layout.FromPath(dir)
		if err != nil {
			if p, err = layout.Write(dir, empty.Index); err != nil {
				return "", err
			}
		}
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
			return "", err
		}
		digest, err := img.Digest()
		if err != nil {
			return "", err
		}
		return dest + "@" + digest.String(), nil
	case strings.HasPrefix(dest, archivePrefix):
		file := strings.TrimPrefix(dest, archivePrefix)
		t, err := name.NewTag(tag)
		if err != nil {
			return "", err
		}
		tmp := file + ".tmp"
		if err := tarball.WriteToFile(tmp, t, img); err != nil {
			os.Remove(tmp)
			return "", err
		}
		return dest, os.Rename(tmp, file)
	default:
		t, err := name.NewTag(dest)
		if err != nil {
			return "", err
		}
		if err := remote.Write(t, img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return "", registryError(t.Context().RegistryStr(), err)
		}
		// Known only now when a layer was streamed.
		digest, err := img.Digest()
		if err != nil {
			return "", err
		}
		return t.Context().Name() + "@" + digest.String(), nil
	}
}

func isRegistry(ref string) bool {
	return !strings.HasPrefix(ref, ociPrefix) && !strings.HasPrefix(ref, archivePrefix)
}

// checkPush fails early, before any restore, when a registry cannot take a push.
func checkPush(dest string) error {
	if strings.HasPrefix(dest, ociPrefix) || strings.HasPrefix(dest, archivePrefix) {
		return nil
	}
	t, err := name.NewTag(dest)
	if err != nil {
		return err
	}
	if err := remote.CheckPushPermission(t, authn.DefaultKeychain, remote.DefaultTransport); err != nil {
		return registryError(t.Context().RegistryStr(), err)
	}
	return nil
}

// registryError names the registry and says plainly when it is not there at all.
func registryError(host string, err error) error {
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || (errors.As(err, &ne) && ne.Timeout()) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("the registry %s is not reachable (%v)", host, err)
	}
	return fmt.Errorf("the registry %s refused the request: %w", host, err)
}
