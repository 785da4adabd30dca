package images

// LabRepository is the repository of the lab image (demoapp and runonce,
// FROM scratch), which labs/appimage builds with this package and tags with
// a hash of its files. It is named here, in tools, so that the doctor and
// prepare can look for it without importing the labs.
const LabRepository = "bloglabs/lab"
