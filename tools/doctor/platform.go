package doctor

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// Platform is what the fixes depend on.
type Platform struct {
	OS   string `json:"os"`   // GOOS
	Arch string `json:"arch"` // GOARCH
	// Distro is the Linux family, from /etc/os-release's ID and ID_LIKE:
	// "debian" (Debian, Ubuntu and their derivatives), "fedora" (Fedora,
	// RHEL and theirs), or "" (another, or not Linux).
	Distro string `json:"distro,omitempty"`
	// Name is the system's own name ("Debian GNU/Linux 12 (bookworm)").
	Name string `json:"name,omitempty"`
	// Root: on Linux, fixes need no sudo.
	Root bool `json:"root,omitempty"`
}

// DetectPlatform describes this machine.
func DetectPlatform() Platform {
	p := Platform{OS: runtime.GOOS, Arch: runtime.GOARCH, Root: os.Geteuid() == 0}
	if p.OS == "linux" {
		if f, err := os.Open("/etc/os-release"); err == nil {
			defer f.Close()
			p.Distro, p.Name = parseOSRelease(bufio.NewScanner(f))
		}
	}
	return p
}

// parseOSRelease reads /etc/os-release: the distro family and its pretty name.
func parseOSRelease(sc *bufio.Scanner) (distro, name string) {
	var ids []string
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID", "ID_LIKE":
			ids = append(ids, strings.Fields(v)...)
		case "PRETTY_NAME":
			name = v
		}
	}
	for _, id := range ids {
		switch id {
		case "debian", "ubuntu":
			return "debian", name
		case "fedora", "rhel", "centos":
			return "fedora", name
		}
	}
	return "", name
}

// sudo is "sudo " where a fix needs it (not as root).
func (p Platform) sudo() string {
	if p.Root {
		return ""
	}
	return "sudo "
}

// install is the command that installs a package on p's distribution
// (debian or fedora names), else generic.
func (p Platform) install(debian, fedora, generic string) string {
	switch p.Distro {
	case "debian":
		return p.sudo() + "apt-get install -y " + debian
	case "fedora":
		return p.sudo() + "dnf install -y " + fedora
	}
	return generic
}

// wsl is the fix for what Windows cannot do natively.
const wsl = "run the labs inside WSL2: `wsl --install -d Ubuntu`, then follow the Linux steps in Ubuntu"

// fixFor is the command that makes check c pass on p ("" when none is
// known). what refines it: the Go version go.mod needs.
func fixFor(c Check, p Platform, goWant string) string {
	sudo := p.sudo()
	pkg := p.install
	switch c {
	case CheckGo:
		switch p.OS {
		case "darwin":
			return "brew install go (or the installer from https://go.dev/dl/); go.mod needs " + goWant
		case "windows":
			return "winget install -e --id GoLang.Go; go.mod needs " + goWant
		}
		return "install " + goWant + " or later from https://go.dev/dl/ (distribution packages are often older)"
	case CheckCC:
		const without = "; or run the tests without -race (go test ./...)"
		switch p.OS {
		case "darwin":
			return "xcode-select --install" + without
		case "windows":
			return wsl + without
		}
		return pkg("gcc", "gcc", "install gcc") + without
	case CheckPostgres:
		switch p.OS {
		case "darwin":
			return "brew install postgresql@17 (or Postgres.app), or point LABS_PG_BINDIR at the folder holding initdb and postgres"
		case "windows":
			return wsl
		}
		return pkg("postgresql", "postgresql-server", "install PostgreSQL's server package") +
			", or point LABS_PG_BINDIR at the folder holding initdb and postgres"
	case CheckPsql:
		return psqlFix("", p)
	case CheckDisk:
		return "free some space (go clean -cache empties the build cache)"
	case CheckModules:
		return "while online: go tool mage prepare"
	case CheckDocker:
		switch p.OS {
		case "darwin":
			return "brew install --cask docker (Docker Desktop), then start it; only for --runtime docker/kind"
		case "windows":
			return "winget install -e --id Docker.DockerDesktop, then start it; only for --runtime docker/kind"
		}
		return pkg("docker.io && "+sudo+"systemctl start docker", "moby-engine && "+sudo+"systemctl start docker", "install Docker Engine and start it") +
			"; only for --runtime docker/kind"
	case CheckKind:
		return "kind needs Docker that runs privileged containers on cgroup v2 (Docker Desktop, or Docker Engine on a current Linux); the other runtimes do not"
	case CheckImages:
		return "while online: go tool mage prepare (builds or pulls them); only for --runtime docker/kind"
	}
	return ""
}
