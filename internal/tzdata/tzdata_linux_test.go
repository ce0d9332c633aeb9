package tzdata

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// zoneSources are the folders the time package reads zones from on Linux
// (time.platformZoneSources).
var zoneSources = []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"}

// TestWithoutZoneinfo runs the test binary again in a mount namespace
// where an empty folder hides every system zone folder, as on a machine
// without zone files, and GOROOT points nowhere (the time package's last
// resort is $GOROOT/lib/time/zoneinfo.zip): time.LoadLocation and TZ still
// work, from the embedded database alone.
func TestWithoutZoneinfo(t *testing.T) {
	if dir := os.Getenv("TZDATA_TEST_EMPTY"); dir != "" {
		withoutZoneinfo(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to hide the zone folders in a mount namespace (CI runs as root)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWithoutZoneinfo$", "-test.v")
	cmd.Env = append(os.Environ(), "TZDATA_TEST_EMPTY="+t.TempDir(), "TZ=Asia/Tokyo", "GOROOT=/nonexistent", "ZONEINFO=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the test without zone folders failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// withoutZoneinfo is the child's half of TestWithoutZoneinfo.
func withoutZoneinfo(t *testing.T, empty string) {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make the mounts private: %v", err)
	}
	for _, dir := range zoneSources {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		if err := syscall.Mount(empty, dir, "", syscall.MS_BIND, ""); err != nil {
			t.Fatalf("hide %s: %v", dir, err)
		}
	}
	if _, err := os.Stat("/usr/share/zoneinfo/Europe/Berlin"); err == nil {
		t.Fatal("/usr/share/zoneinfo/Europe/Berlin is still there")
	}

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("LoadLocation without zone files: %v", err)
	}
	summer := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC).In(berlin)
	if name, offset := summer.Zone(); name != "CEST" || offset != 2*3600 {
		t.Errorf("Berlin in July is %s %+d s, want CEST +7200 s", name, offset)
	}
	if _, err := time.LoadLocation("Mars/Olympus"); err == nil || err.Error() != "unknown time zone Mars/Olympus" {
		t.Errorf("an unknown zone: %v, want \"unknown time zone Mars/Olympus\"", err)
	}
	if name, offset := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).In(time.Local).Zone(); name != "JST" || offset != 9*3600 {
		t.Errorf("TZ=Asia/Tokyo gives local time %s %+d s, want JST +32400 s", name, offset)
	}
}
