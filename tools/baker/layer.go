package main

// Layers written in one pass: tar -> sha256 (diff ID) -> [gzip] -> sha256
// (digest) -> file, so pushing or saving reads the finished blob once and
// nothing is compressed or hashed twice.

import (
	"archive/tar"
	stdgzip "compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/stream"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
)

// fileLayer is a finished blob on disk with both of its hashes.
type fileLayer struct {
	file      string
	digest    v1.Hash
	diffID    v1.Hash
	size      int64
	tarBytes  int64
	mediaType types.MediaType
}

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.file) }

func (l *fileLayer) layer() (v1.Layer, error) { return partial.CompressedToLayer(l) }

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// writeLayer runs fill against a tar writer and stores the result in file.
// docker=true picks the Docker media types (to match a Docker-format base).
func writeLayer(file string, gz bool, docker bool, fill func(*tar.Writer) error) (*fileLayer, error) {
	out, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	digest, diffID := sha256.New(), sha256.New()
	blob := &counter{w: io.MultiWriter(out, digest)}
	var zw *gzip.Writer
	var tw io.Writer = blob // uncompressed: the diff ID is the digest
	if gz {
		// Level 1: a data directory is written once and pulled a few times;
		// higher levels cost seconds per GB for a few percent.
		if zw, err = gzip.NewWriterLevel(blob, gzip.BestSpeed); err != nil {
			return nil, err
		}
		tw = io.MultiWriter(zw, diffID)
	}
	raw := &counter{w: tw}
	t := tar.NewWriter(raw)
	if err := fill(t); err != nil {
		return nil, err
	}
	if err := t.Close(); err != nil {
		return nil, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	mt := mediaType(gz, docker)
	l := &fileLayer{file: file, digest: hashOf(digest), diffID: hashOf(diffID), size: blob.n, tarBytes: raw.n, mediaType: mt}
	if !gz {
		l.diffID = l.digest
	}
	return l, nil
}

func mediaType(gz, docker bool) types.MediaType {
	return map[[2]bool]types.MediaType{
		{true, true}: types.DockerLayer, {false, true}: types.DockerUncompressedLayer,
		{true, false}: types.OCILayer, {false, false}: types.OCIUncompressedLayer,
	}[[2]bool{gz, docker}]
}

// streamedLayer is a layer pushed while it is written (go-containerregistry's stream.Layer: gzip
// framing, level 0 = stored blocks for "none"); its digest is known once the push consumed it.
type streamedLayer struct {
	layer     *stream.Layer
	mediaType types.MediaType
	tarBytes  int64
	done      chan error
}

func streamLayer(gz, docker bool, fill func(*tar.Writer) error) *streamedLayer {
	pr, pw := io.Pipe()
	level := stdgzip.NoCompression
	if gz {
		level = stdgzip.BestSpeed
	}
	mt := mediaType(true, docker)
	sl := &streamedLayer{layer: stream.NewLayer(pr, stream.WithCompressionLevel(level), stream.WithMediaType(mt)), mediaType: mt, done: make(chan error, 1)}
	go func() {
		c := &counter{w: pw}
		t := tar.NewWriter(c)
		err := fill(t)
		if err == nil {
			err = t.Close()
		}
		sl.tarBytes = c.n
		pw.CloseWithError(err)
		sl.done <- err
	}()
	return sl
}

// wait returns the writer's error (nil when the push read everything).
func (s *streamedLayer) wait() error {
	select {
	case err := <-s.done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("the data layer was not read to the end")
	}
}

// owner of every entry written by addTree/addDir.
type owner struct {
	uid, gid     int
	uname, gname string
}

// addDir writes one directory entry (a parent the base image may lack).
func addDir(t *tar.Writer, p string, mode int64, o owner, mtime time.Time) error {
	return t.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(p, "/") + "/", Mode: mode,
		Uid: o.uid, Gid: o.gid, Uname: o.uname, Gname: o.gname, ModTime: mtime, Format: tar.FormatPAX})
}

// addTree writes src as dest (an absolute path in the image), every entry owned by o.
func addTree(t *tar.Writer, src, dest string, o owner) error {
	buf := make([]byte, 1<<20)
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		case info.Mode()&(fs.ModeSocket|fs.ModeNamedPipe|fs.ModeDevice) != 0:
			return nil // a stray socket of the restore server: not data
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path.Join(dest, filepath.ToSlash(rel)), "/")
		if info.IsDir() {
			name += "/"
		}
		h.Name, h.Uid, h.Gid, h.Uname, h.Gname = name, o.uid, o.gid, o.uname, o.gname
		h.ModTime, h.AccessTime, h.ChangeTime, h.Format = info.ModTime().Truncate(time.Second), time.Time{}, time.Time{}, tar.FormatPAX
		if err := t.WriteHeader(h); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := io.CopyBuffer(t, f, buf)
		if err != nil {
			return err
		}
		if n != info.Size() {
			return fmt.Errorf("%s changed size while it was written into the layer", p)
		}
		return nil
	})
}

// addFile writes one file with a fixed mtime, so the layer's digest depends
// only on its content and identical layers are stored and pulled once.
func addFile(t *tar.Writer, src, dest string, mode int64) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := t.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(dest, "/"), Mode: mode, Size: int64(len(b)),
		Uname: "root", Gname: "root", ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err = t.Write(b)
	return err
}
