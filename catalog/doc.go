// Package catalog is metricbot's vocabulary: the governed definitions of sources, dimensions,
// metrics, owners and events that a data team keeps as YAML files in git, and the governed query
// that the rest of the program speaks in.
//
// A catalog is loaded from a directory with [Load], which reports every problem at once with
// file:line:column positions and "did you mean" suggestions (see [ValidationError]). A loaded
// [Catalog] is immutable and safe for concurrent use.
//
// The package imports only the standard library and a YAML decoder; the SQL compiler, the
// warehouses, the language parser and the chat surfaces all depend on it, never the reverse.
package catalog
