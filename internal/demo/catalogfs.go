package demo

import (
	"embed"
	"io/fs"

	"github.com/metricbot/metricbot/catalog"
)

//go:embed catalog/*.yaml
var catalogFiles embed.FS

// Catalog loads the demo catalog embedded in the binary. Problems are reported under the name
// "demo/...".
func Catalog() (*catalog.Catalog, error) {
	sub, err := fs.Sub(catalogFiles, "catalog")
	if err != nil {
		return nil, err
	}
	return catalog.LoadFS(sub, "demo")
}
