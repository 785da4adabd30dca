// Package container is the labs' testcontainers Postgres provider: a
// server in a container started by testcontainers-go's postgres module
// (BasicWaitStrategies), the image configurable — what a workshop laptop
// with Docker runs.
//
// The image is chosen so that a room without a registry still works:
//
//  1. Options.Image, else $LABS_POSTGRES_IMAGE (--postgres-image in the lab
//     CLI): that image and no other — present, or pulled.
//  2. Otherwise the official image, [DefaultImage], when the engine has it
//     or can pull it.
//  3. Otherwise the offline image tools/pgimage builds from Debian
//     packages (go tool mage images:postgres), when the engine has it.
//  4. Otherwise an error that names that target.
//
// A pull that cannot succeed fails within seconds: the provider pulls
// itself, giving up after a few seconds without progress (see
// labs/internal/dockerx), before testcontainers would retry with back-off
// for up to fifteen minutes.
//
// The container listens on a published port of this machine (the DSNs the
// lab gets) and, for runtimes that run replicas in containers, joins their
// network as "postgres" ([Server.Backend]).
package container
