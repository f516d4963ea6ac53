package inbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name, in the data directory, of the secret that signs the
// marker of every wholesaler workbook (spec §10.2).
const KeyFile = "responses.key"

// keyBytes is the size of the secret: as long as the HMAC-SHA256 output.
const keyBytes = 32

// SigningKey returns the secret of dataDir/responses.key, creating it on
// first use: 32 random bytes, written in hexadecimal to a temp file of mode
// 0600 that is synced and then linked to its name, so that the key appears
// whole or not at all and a concurrent creator's key is never replaced.
// A key file readable by others is refused: whoever reads it can forge
// answers. The key is never logged.
func SigningKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	secret := make([]byte, keyBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("inbox: creating the signing key: %w", err)
	}
	if err := writeKey(dataDir, secret); err != nil {
		return nil, fmt.Errorf("inbox: creating the signing key %s: %w", path, err)
	}
	return readKey(path)
}

// CopySigningKey copies the signing key of dataDir into the data directory
// to, mode 0600, for a scratch run that must verify the markers as a run
// in dataDir would (encours simulate). It does nothing when dataDir has no
// key yet, and refuses a key SigningKey would refuse. The key is never
// logged.
func CopySigningKey(dataDir, to string) error {
	key, err := readKey(filepath.Join(dataDir, KeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := writeKey(to, key); err != nil {
		return fmt.Errorf("inbox: copying the signing key into %s: %w", to, err)
	}
	return nil
}

// writeKey writes secret in hexadecimal into dir's key file, unless one is
// there: a temp file of mode 0600, synced, then linked to its name.
func writeKey(dir string, secret []byte) error {
	f, err := os.CreateTemp(dir, "."+KeyFile+"-*"+tempSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(hex.EncodeToString(secret) + "\n")
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, filepath.Join(dir, KeyFile)); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(dir)
}

func readKey(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("inbox: the signing key %s is not a regular file; remove it and run again to create a new one (workbooks sent before cannot be answered then)", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("inbox: the signing key %s is readable by others (mode %04o): run chmod 600 on it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < keyBytes {
		return nil, fmt.Errorf("inbox: the signing key %s is damaged; restore it from a backup, or remove it and run again to create a new one (workbooks sent before cannot be answered then)", path)
	}
	return key, nil
}
