// Package live shows a lab in a browser while it runs, and replays a
// recorded one.
//
// A [Server] listens on a local address and serves one page, embedded in
// the binary (HTML, CSS and plain JavaScript, no build step, nothing
// fetched from anywhere). In live mode the lab's [engine.Config.Observe]
// feeds [Server.Observe]: every deployment, the release, every replica
// event exactly as the result's JSON will list it, each deployment's
// database check and the verdict. The page draws one lane per replica as
// the events arrive, and compare's deployments side by side.
//
// The server keeps every message of the run, in order, in a [Hub], and
// streams them to each browser as server-sent events: a page that opens
// late, or reloads, gets everything from the start, then the rest live; a
// browser that reconnects (EventSource does so by itself) resumes after the
// last message it had (Last-Event-ID). A browser that does not keep up
// never slows the lab: each has a bounded queue, and one that fills it is
// disconnected, to reconnect and catch up.
//
// In replay mode ([Load], [NewReplay]) the same page steps through a lab's
// --json output: play, pause, one event at a time.
//
// The package imports the standard library and the labs' own packages
// only: the light lab command links it.
package live
