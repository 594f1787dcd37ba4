// Package libraries holds example programs whose HTTP requests are made
// inside real third-party libraries from the module cache (retry clients,
// REST clients, an S3 SDK, a web framework, a load tester). It is a module
// of its own, so that the project's go.mod carries none of them.
package libraries
