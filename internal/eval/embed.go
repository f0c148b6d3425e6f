package eval

import (
	"bytes"
	_ "embed"
)

//go:embed testdata/dev.jsonl
var devSet []byte

// Dev returns the built-in development set: questions over the demo warehouse with a current
// day of 2026-12-01 (the demo generated with its last day on 2026-11-30) unless a case says
// otherwise.
func Dev() ([]Case, error) {
	return Load(bytes.NewReader(devSet))
}
