package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestSigningKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := SigningKey(dir)
	if err != nil || len(k1) != keyBytes {
		t.Fatalf("first key: %d bytes, %v", len(k1), err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	k2, err := SigningKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("second call: a different key (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}

	// Created by several at once, every caller gets the one key.
	dir = t.TempDir()
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Go(func() {
			k, err := SigningKey(dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent creators got different keys")
		}
	}

	// A key others can read, or a damaged one, is refused with what to do.
	path := filepath.Join(dir, KeyFile)
	os.Chmod(path, 0o644)
	if _, err := SigningKey(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("not hex"), 0o600)
	if _, err := SigningKey(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged key: %v", err)
	}
}

func TestCopySigningKey(t *testing.T) {
	from, to := t.TempDir(), t.TempDir()
	if err := CopySigningKey(from, to); err != nil {
		t.Fatalf("no key to copy: %v", err)
	}
	if _, err := os.Stat(filepath.Join(to, KeyFile)); !os.IsNotExist(err) {
		t.Fatalf("a key appeared where there was none to copy: %v", err)
	}
	key, err := SigningKey(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := CopySigningKey(from, to); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(to, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copied key file: %v, %v; want mode 0600", fi, err)
	}
	if got, err := SigningKey(to); err != nil || !bytes.Equal(got, key) {
		t.Errorf("the copy signs with another key (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(to, ".*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// A key the run would refuse is refused, not made acceptable by the copy.
	os.Chmod(filepath.Join(from, KeyFile), 0o644)
	other := t.TempDir()
	if err := CopySigningKey(from, other); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, KeyFile)); !os.IsNotExist(err) {
		t.Errorf("the refused key was copied: %v", err)
	}
}
