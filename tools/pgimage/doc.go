// Package pgimage builds a PostgreSQL container image without any registry:
// a Debian root file system made by debootstrap from the machine's own Debian
// mirror, with an entrypoint that honours the official image's contract
// (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, /docker-entrypoint-initdb.d),
// imported into the local Docker engine with `docker import`.
//
// It is the offline image for air-gapped workshop rooms and for CI machines
// that cannot pull: testcontainers-go's postgres module runs it unchanged.
// Building takes about a minute once; Build returns at once when the image
// is already there.
package pgimage
