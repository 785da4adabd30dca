package doctor

import (
	"bufio"
	"errors"
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
		{name: "all present", stdout: "a@v1\nb@v2\na@v1\n", passed: true, detail: "the 2 modules the workshop scope builds from"},
		{name: "what the scope leaves out", stdout: "a@v1\n", passed: true, detail: "left out: the full builds of lab and cisim (Docker, kind, Kubernetes clients"},
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
		got := judgeModules([]byte(tt.stdout), []byte(tt.stderr), tt.failed, "/cache", ScopeWorkshop)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) {
			t.Errorf("%s: judgeModules = %+v, want passed=%v and a detail with %q", tt.name, got, tt.passed, tt.detail)
		}
	}
}

func TestJudgeImages(t *testing.T) {
	tests := []struct {
		name    string
		present []string
		passed  bool
		detail  string
	}{
		{"official Postgres and a lab tag", []string{"postgres:17", "bloglabs/lab:0123456789ab"}, true, "postgres:17, bloglabs/lab:0123456789ab present"},
		{"offline Postgres", []string{"bloglabs/postgres-offline:15", "bloglabs/lab:0123456789ab"}, true, "bloglabs/postgres-offline:15,"},
		{"no Postgres image", []string{"bloglabs/lab:0123456789ab", "postgres:16"}, false, "missing a Postgres image (postgres:17 or bloglabs/postgres-offline:15)"},
		{"no lab image", []string{"postgres:17", "bloglabs/lab-other:1"}, false, "missing the lab image (bloglabs/lab)"},
		{"nothing", nil, false, "Postgres image (postgres:17 or bloglabs/postgres-offline:15) and the lab image"},
	}
	for _, tt := range tests {
		got := judgeImages(LabImages(), tt.present)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) {
			t.Errorf("%s: judgeImages = %+v, want passed=%v and a detail with %q", tt.name, got, tt.passed, tt.detail)
		}
	}
}

func TestJudgeKind(t *testing.T) {
	tests := []struct {
		name   string
		h      kindHost
		passed bool
		detail string
	}{
		{"cgroup v2, privileged works", kindHost{cgroupVersion: "2"}, true, "can run kind clusters"},
		{"no engine", kindHost{engineErr: errors.New("no Docker engine answers")}, false, "see the Docker line"},
		{"cgroup v1", kindHost{cgroupVersion: "1"}, false, "cgroup v1"},
		{"privileged refused", kindHost{cgroupVersion: "2", privilegedErr: errors.New("docker run --privileged: unable to apply caps: operation not permitted")}, false, "privileged containers fail (docker run --privileged: unable to apply caps"},
		{"both", kindHost{cgroupVersion: "1", privilegedErr: errors.New("x")}, false, "cgroup v2 (the kubelet refuses cgroup v1 since Kubernetes 1.35); privileged"},
	}
	for _, tt := range tests {
		got := judgeKind(tt.h)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) {
			t.Errorf("%s: judgeKind = %+v, want passed=%v and a detail with %q", tt.name, got, tt.passed, tt.detail)
		}
	}
	if got := runcReason("Error response from daemon: failed to create task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown"); got != "unable to apply caps: operation not permitted" {
		t.Errorf("runcReason = %q", got)
	}
}

// psql: where it was found (on PATH, in a folder off it, nowhere) and the
// system decide the fix. Homebrew's libpq and postgresql@N are keg-only,
// so a Mac with them installed still has no psql on PATH.
func TestJudgePsql(t *testing.T) {
	mac := Platform{OS: "darwin", Arch: "arm64"}
	debian := Platform{OS: "linux", Distro: "debian"}
	debianRoot := Platform{OS: "linux", Distro: "debian", Root: true}
	fedora := Platform{OS: "linux", Distro: "fedora"}
	arch := Platform{OS: "linux"}
	win := Platform{OS: "windows"}
	tests := []struct {
		name           string
		onPath, offDir string
		p              Platform
		passed         bool
		detail, fix    string
	}{
		{"on PATH", "/usr/bin/psql", "", debian, true, "/usr/bin/psql", ""},
		{"mac, libpq keg", "", "/opt/homebrew/opt/libpq/bin", mac, false, "psql is in /opt/homebrew/opt/libpq/bin but not on PATH",
			`brew install libpq && brew link --force libpq (Homebrew keeps libpq off PATH), or add export PATH="$(brew --prefix libpq)/bin:$PATH" to ~/.zshrc`},
		{"mac, postgresql@16 keg (Intel)", "", "/usr/local/opt/postgresql@16/bin", mac, false, "in /usr/local/opt/postgresql@16/bin but not on PATH",
			`add export PATH="$(brew --prefix postgresql@16)/bin:$PATH" to ~/.zshrc (Homebrew keeps postgresql@16 off PATH), or brew install libpq && brew link --force libpq`},
		{"mac, Postgres.app", "", "/Applications/Postgres.app/Contents/Versions/17/bin", mac, false, "not on PATH",
			`add export PATH="/Applications/Postgres.app/Contents/Versions/17/bin:$PATH" to ~/.zshrc`},
		{"mac, none", "", "", mac, false, "psql is not installed", "brew install libpq && brew link --force libpq"},
		{"debian, none", "", "", debian, false, "psql is not installed", "sudo apt-get install -y postgresql-client"},
		{"debian as root, none", "", "", debianRoot, false, "not installed", "apt-get install -y postgresql-client"},
		{"debian, beside the server", "", "/usr/lib/postgresql/15/bin", debian, false, "psql is in /usr/lib/postgresql/15/bin but not on PATH",
			`export PATH="/usr/lib/postgresql/15/bin:$PATH" (add it to your shell's profile), or sudo apt-get install -y postgresql-client`},
		{"fedora, none", "", "", fedora, false, "not installed", "sudo dnf install -y postgresql"},
		{"another Linux", "", "", arch, false, "not installed", "install PostgreSQL's client package (psql)"},
		{"windows", "", "", win, false, "not installed", "wsl --install -d Ubuntu"},
	}
	for _, tt := range tests {
		got := judgePsql(tt.onPath, tt.offDir, tt.p)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) || !strings.Contains(got.fix, tt.fix) {
			t.Errorf("%s: judgePsql = %+v\nwant passed=%v, a detail with %q and a fix with %q", tt.name, got, tt.passed, tt.detail, tt.fix)
		}
		if tt.p.Root && strings.Contains(got.fix, "sudo") {
			t.Errorf("%s: fix %q says sudo; root needs none", tt.name, got.fix)
		}
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
		{CheckPsql, mac, "brew link --force libpq"},
		{CheckPsql, debian, "sudo apt-get install -y postgresql-client"},
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

// $REPO, which every exercise's commands use: unset, not a clone, a folder
// inside the clone, the clone, another clone.
func TestJudgeRepo(t *testing.T) {
	clones := map[string]string{"/home/a/posts": "/home/a/posts", "/home/a/posts/labs": "/home/a/posts", "/home/a/other-clone": "/home/a/other-clone"}
	cloneAt := func(dir string) string { return clones[dir] }
	tests := []struct {
		name, env, here string
		passed          bool
		detail, fix     string
	}{
		{"unset", "", "/home/a/posts", false, "not set", "export REPO=/home/a/posts (in the shell you run the exercises from)"},
		{"unset, doctor outside a clone", "", "", false, "not set", "cd into your clone, then export REPO=$PWD"},
		{"not a clone", "/tmp", "/home/a/posts", false, "/tmp is not a clone of github.com/bloglabs/posts", "export REPO=/home/a/posts"},
		{"inside the clone", "/home/a/posts/labs", "/home/a/posts", false, "inside the clone at /home/a/posts, not its root", "export REPO=/home/a/posts"},
		{"the clone", "/home/a/posts/", "/home/a/posts", true, "/home/a/posts", ""},
		{"another clone", "/home/a/other-clone", "/home/a/posts", true, "another clone than this one", ""},
	}
	for _, tt := range tests {
		if tt.env == "/home/a/posts/" {
			clones[tt.env] = "/home/a/posts"
		}
		got := judgeRepo(tt.env, tt.here, cloneAt)
		if got.passed != tt.passed || !strings.Contains(got.detail, tt.detail) || !strings.Contains(got.fix, tt.fix) {
			t.Errorf("%s: judgeRepo = %+v\nwant passed=%v, a detail with %q and a fix with %q", tt.name, got, tt.passed, tt.detail, tt.fix)
		}
	}
}
