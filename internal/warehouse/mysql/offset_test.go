package mysql

import (
	"testing"
	"time"
)

func TestFixedOffset(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for zone, want := range map[string]string{"Asia/Shanghai": "+08:00", "Asia/Kolkata": "+05:30", "UTC": "+00:00", "America/New_York": "", "Europe/Berlin": ""} {
		got, ok := fixedOffset(zone, now)
		if (want != "") != ok || got != want {
			t.Errorf("fixedOffset(%s) = %q, %v; want %q", zone, got, ok, want)
		}
	}
}
