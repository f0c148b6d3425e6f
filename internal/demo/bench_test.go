package demo

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkEnsureFullSize generates the full-size demo warehouse into a new SQLite file, as
// the bot does on first use, and reports its size and row counts. Run it once:
//
//	go test ./internal/demo -run '^$' -bench EnsureFullSize -benchtime 1x
func BenchmarkEnsureFullSize(b *testing.B) {
	o := Options{End: testEnd, Seed: 1}
	var path string
	i := 0
	for b.Loop() {
		var err error
		path, err = Ensure(context.Background(), filepath.Join(b.TempDir(), strconv.Itoa(i)), o)
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
	db, err := openReadOnly(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, tb := range schema {
		var n int64
		if err := db.QueryRow("SELECT COUNT(*) FROM " + tb.name).Scan(&n); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), tb.name+"_rows")
	}
}
