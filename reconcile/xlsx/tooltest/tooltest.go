// Package tooltest finds the other tools some tests read and write
// workbooks with: LibreOffice (soffice) and a Python with openpyxl.
// Without one, those tests skip and say how to install it, or fail when
// ENCOURS_REQUIRE_TOOLS is set (.ci/run sets it once it has installed
// them), so that CI never passes without having run them.
package tooltest

import (
	"os"
	"os/exec"
	"testing"
)

// EnvRequire names the variable that turns a missing tool into a failure.
const EnvRequire = "ENCOURS_REQUIRE_TOOLS"

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(EnvRequire) != "" {
		t.Fatal(msg + " (" + EnvRequire + " is set, so this is a failure)")
	}
	t.Skip(msg)
}

// Soffice returns the path of LibreOffice's soffice, or skips the test.
func Soffice(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"soffice", "/usr/bin/soffice", "libreoffice"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	missing(t, "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui to run this test")
	return ""
}

// Python returns the path of a python3 that imports openpyxl, or skips
// the test.
func Python(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import openpyxl").Run() == nil {
			return path
		}
	}
	missing(t, "no python3 with openpyxl here: apt-get install python3-openpyxl to run this test")
	return ""
}
