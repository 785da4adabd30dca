package deploy

import "embed"

// FS holds the files of this folder.
//
//go:embed *.sh *.toml *.yaml *.yml
var FS embed.FS
