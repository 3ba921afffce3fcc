package main

// What the restore on the host must match in the base image: the uid/gid of
// its postgres user (the layer's owner), the engine and C library versions
// (on-disk format, collation) and the locales it can run a database with.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

type baseFacts struct {
	Digest        string            `json:"digest"`
	User          string            `json:"user"`
	UID           int               `json:"uid"`
	GID           int               `json:"gid"`
	Packages      map[string]string `json:"packages"`
	Locales       []string          `json:"locales"`
	LocaleArchive bool              `json:"localeArchive"`
	Env           []string          `json:"env"`
}

var wantFiles = map[string]bool{"etc/passwd": true, "etc/group": true, "var/lib/dpkg/status": true}

func inspectBase(img v1.Image, user string) (*baseFacts, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	f := &baseFacts{Digest: d.String(), User: user, Packages: map[string]string{}, Env: cfg.Config.Env}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the base image's files: %w", err)
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if wantFiles[p] && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			files[p] = b
		}
		if dir, base := path.Split(p); dir == "usr/lib/locale/" {
			if base == "locale-archive" {
				f.LocaleArchive = true
			} else if h.Typeflag == tar.TypeDir {
				f.Locales = append(f.Locales, base)
			}
		}
	}
	sort.Strings(f.Locales)
	if f.UID, err = lookupID(files["etc/passwd"], user, 2); err != nil {
		return nil, fmt.Errorf("the base image has no user %q in /etc/passwd: %w", user, err)
	}
	if f.GID, err = lookupID(files["etc/passwd"], user, 3); err != nil {
		return nil, err
	}
	parseDpkg(files["var/lib/dpkg/status"], f.Packages)
	return f, nil
}

// lookupID returns field `field` (2 = uid, 3 = gid) of user's line in a passwd file.
func lookupID(passwd []byte, user string, field int) (int, error) {
	s := bufio.NewScanner(bytes.NewReader(passwd))
	for s.Scan() {
		parts := strings.Split(s.Text(), ":")
		if len(parts) > field && parts[0] == user {
			return strconv.Atoi(parts[field])
		}
	}
	return 0, fmt.Errorf("no line for %s", user)
}

// parseDpkg keeps the installed version of every package in a dpkg status file.
func parseDpkg(status []byte, out map[string]string) {
	var pkg, ver string
	installed := false
	flush := func() {
		if pkg != "" && installed {
			out[pkg] = ver
		}
		pkg, ver, installed = "", "", false
	}
	s := bufio.NewScanner(bytes.NewReader(status))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "Package: "):
			pkg = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, "Version: "):
			ver = strings.TrimPrefix(line, "Version: ")
		case strings.HasPrefix(line, "Status: "):
			installed = strings.HasSuffix(line, " installed")
		}
	}
	flush()
}
