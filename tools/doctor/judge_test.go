package doctor

import (
	"bufio"
	"strings"
	"testing"
)

func TestJudgeGo(t *testing.T) {
	tests := []struct {
		have, want string
		passed     bool
	}{
		{"go1.26.8", "1.26.0", true},
		{"go1.26.0", "1.26.0", true},
		{"go1.27rc1", "1.26.0", true},
		{"go1.25.9", "1.26.0", false},
		{"go1.26rc2", "1.26.0", false},
		{"go1.26.8", "", true},
	}
	for _, tt := range tests {
		if got := judgeGo(tt.have, tt.want); got.passed != tt.passed {
			t.Errorf("judgeGo(%q, %q) = %+v, want passed=%v", tt.have, tt.want, got, tt.passed)
		}
	}
}

func TestGoModVersion(t *testing.T) {
	if got := goModVersion([]byte("module x\n\ngo 1.26.0\n\ntool (\n\tgo x\n)\n")); got != "1.26.0" {
		t.Errorf("goModVersion = %q, want 1.26.0", got)
	}
}

func TestPostgresVersion(t *testing.T) {
	tests := map[string]string{
		"postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n": "15.14",
		"postgres (PostgreSQL) 17.2 (Homebrew)\n":                "17.2",
		"postgres (PostgreSQL) 16.4\n":                           "16.4",
		"postgres 18beta1":                                       "18beta1",
	}
	for in, want := range tests {
		if got := postgresVersion(in); got != want {
			t.Errorf("postgresVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJudgeDisk(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name   string
		free   map[string]uint64
		passed bool
		detail string
	}{
		{"plenty everywhere", map[string]uint64{"/mod": 50 * gib, "/tmp": 20 * gib}, true, "20.0 GiB free"},
		{"the least one decides", map[string]uint64{"/mod": 50 * gib, "/tmp": 1 * gib}, false, "1.0 GiB free at /tmp"},
		{"exactly the minimum", map[string]uint64{"/mod": MinFreeDisk}, true, "3.0 GiB free"},
		{"nothing measured", map[string]uint64{}, false, "could not measure"},
	}
	for _, tt := range tests {
		got := judgeDisk(tt.free)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) {
			t.Errorf("%s: judgeDisk = %+v, want passed=%v and a detail with %q", tt.name, got, tt.passed, tt.detail)
		}
	}
}

func TestJudgeModules(t *testing.T) {
	tests := []struct {
		name           string
		stdout, stderr string
		failed, passed bool
		detail         string
	}{
		{name: "all present", stdout: "a@v1\nb@v2\na@v1\n", passed: true, detail: "the 2 modules"},
		{name: "one missing",
			stdout: "a@v1\n", stderr: "go: k8s.io/api@v0.37.2: module lookup disabled by GOPROXY=off\n", failed: true,
			detail: "k8s.io/api@v0.37.2: module lookup disabled by GOPROXY=off"},
		{name: "many missing, two shown",
			stderr: "x@v1: module lookup disabled by GOPROXY=off\ny@v1: module lookup disabled by GOPROXY=off\nz@v1: module lookup disabled by GOPROXY=off\n",
			failed: true, detail: "and 1 more"},
		{name: "named by the download attempt",
			stderr: "go: downloading k8s.io/component-helpers v0.37.2\ngo: can't load test package: ci-preemptible/sim/predicates.go:12:2: module lookup disabled by GOPROXY=off\n",
			failed: true, detail: "build: k8s.io/component-helpers@v0.37.2"},
		{name: "another failure", stderr: "go: go.mod file not found\n", failed: true, detail: "go list failed: go: go.mod file not found"},
	}
	for _, tt := range tests {
		got := judgeModules([]byte(tt.stdout), []byte(tt.stderr), tt.failed, "/cache")
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) {
			t.Errorf("%s: judgeModules = %+v, want passed=%v and a detail with %q", tt.name, got, tt.passed, tt.detail)
		}
	}
}

func TestJudgeImages(t *testing.T) {
	if got := judgeImages([]string{"postgres:17"}, []string{"bloglabs/lab:0123456789ab"}); !got.passed {
		t.Errorf("both present: %+v, want passed", got)
	}
	got := judgeImages(nil, []string{"bloglabs/lab:0123456789ab"})
	if got.passed || !strings.Contains(got.detail, "Postgres image") {
		t.Errorf("no Postgres image: %+v, want failed naming it", got)
	}
}

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		file, distro, name string
	}{
		{"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n", "debian", "Debian GNU/Linux 12 (bookworm)"},
		{"ID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"\n", "debian", "Ubuntu 24.04 LTS"},
		{"ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "debian", ""},
		{"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "fedora", ""},
		{"ID=fedora\n", "fedora", ""},
		{"ID=arch\n", "", ""},
	}
	for _, tt := range tests {
		d, n := parseOSRelease(bufio.NewScanner(strings.NewReader(tt.file)))
		if d != tt.distro || n != tt.name {
			t.Errorf("parseOSRelease(%q) = %q, %q; want %q, %q", tt.file, d, n, tt.distro, tt.name)
		}
	}
}

func TestFixFor(t *testing.T) {
	debian := Platform{OS: "linux", Distro: "debian"}
	debianRoot := Platform{OS: "linux", Distro: "debian", Root: true}
	fedora := Platform{OS: "linux", Distro: "fedora"}
	mac := Platform{OS: "darwin", Arch: "arm64"}
	win := Platform{OS: "windows", Arch: "amd64"}
	tests := []struct {
		check Check
		p     Platform
		want  string
	}{
		{CheckPostgres, debian, "sudo apt-get install -y postgresql"},
		{CheckPostgres, debianRoot, "apt-get install -y postgresql,"},
		{CheckPostgres, fedora, "sudo dnf install -y postgresql-server"},
		{CheckPostgres, mac, "brew install postgresql@17"},
		{CheckPostgres, win, "wsl --install -d Ubuntu"},
		{CheckCC, debian, "sudo apt-get install -y gcc; or run the tests without -race"},
		{CheckCC, mac, "xcode-select --install"},
		{CheckGo, win, "winget install -e --id GoLang.Go; go.mod needs go1.26.0"},
		{CheckGo, mac, "brew install go"},
		{CheckGo, debian, "go1.26.0 or later from https://go.dev/dl/"},
		{CheckDocker, mac, "brew install --cask docker"},
		{CheckDocker, win, "winget install -e --id Docker.DockerDesktop"},
		{CheckDocker, debian, "sudo apt-get install -y docker.io"},
		{CheckModules, debian, "go tool mage prepare"},
	}
	for _, tt := range tests {
		got := fixFor(tt.check, tt.p, "go1.26.0")
		if !strings.Contains(got, tt.want) {
			t.Errorf("fixFor(%s, %+v) = %q, want it to contain %q", tt.check, tt.p, got, tt.want)
		}
	}
	if strings.Contains(fixFor(CheckPostgres, debianRoot, "go1.26.0"), "sudo") {
		t.Error("fixFor as root says sudo; root needs none")
	}
}

func TestReportWrite(t *testing.T) {
	r := Report{
		Platform: Platform{OS: "linux", Arch: "amd64", Name: "Debian GNU/Linux 12 (bookworm)"},
		Results: []Result{
			{Check: CheckGo, Title: "Go", Required: true, Status: StatusOK, Detail: "go1.26.8 (go.mod needs go1.26.0)"},
			{Check: CheckPostgres, Title: "PostgreSQL", Required: true, Status: StatusFailed, Detail: "no binaries", Fix: "apt-get install -y postgresql"},
			{Check: CheckDocker, Title: "Docker", Status: StatusMissing, Detail: "no engine", Fix: "apt-get install -y docker.io"},
		},
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `doctor: can this machine run the labs? (linux/amd64, Debian GNU/Linux 12 (bookworm))
✓ Go          go1.26.8 (go.mod needs go1.26.0)
✗ PostgreSQL  no binaries
              fix: apt-get install -y postgresql
– Docker      no engine
              fix: apt-get install -y docker.io
NOT READY: fix PostgreSQL (above); optional, not available: Docker
`
	if b.String() != want {
		t.Errorf("Write:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestVerdictAndReady(t *testing.T) {
	tests := []struct {
		passed, required bool
		want             Status
	}{
		{true, true, StatusOK}, {true, false, StatusOK},
		{false, true, StatusFailed}, {false, false, StatusMissing},
	}
	for _, tt := range tests {
		if got := verdict(tt.passed, tt.required); got != tt.want {
			t.Errorf("verdict(%v, %v) = %s, want %s", tt.passed, tt.required, got, tt.want)
		}
	}
	if !ready([]Result{{Status: StatusOK}, {Status: StatusMissing}}) {
		t.Error("ready with only optional misses = false, want true")
	}
	if ready([]Result{{Status: StatusOK}, {Status: StatusFailed}}) {
		t.Error("ready with a failed required check = true, want false")
	}
}
