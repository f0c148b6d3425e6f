package demo

import (
	"fmt"
	"math"
	"time"
)

// date is a civil date: the number of days since 1970-01-01.
type date int32

// dateOf returns the civil date of t: its year, month and day in t's own location.
func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// civil returns the date for a year, month and day.
func civil(y int, m time.Month, d int) date {
	return dateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// Time returns the date as a time.Time at midnight UTC.
func (d date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as YYYY-MM-DD.
func (d date) String() string { return d.Time().Format(time.DateOnly) }

// weekday returns the day of the week; 1970-01-01 was a Thursday.
func (d date) weekday() time.Weekday { return time.Weekday((int(d)%7 + 7 + 4) % 7) }

// Promotion is one sales event of the demo's calendar: the build-up from Start and the peak
// day Peak, which is also the last day. Dates are civil dates at midnight UTC.
type Promotion struct {
	// Name is the identifier the demo catalog uses for the event ("double_11", "mid_year_618").
	Name    string
	LabelZH string
	LabelEN string
	Start   time.Time
	Peak    time.Time
	// Lift is the planned GMV multiplier on the peak day against an ordinary day.
	Lift float64
}

// Contains reports whether the civil date of t falls within the promotion, build-up included.
func (p Promotion) Contains(t time.Time) bool {
	d := dateOf(t)
	return d >= dateOf(p.Start) && d <= dateOf(p.Peak)
}

// Incident is a planted irregularity of the demo data: what an anomaly detector should find.
type Incident struct {
	Name string
	// Start and End are the first and last affected days (civil dates at midnight UTC). For a
	// drift, the level reached on End persists afterwards.
	Start, End time.Time
	// Metric is the demo catalog metric that shows the incident.
	Metric string
	// Slice holds the dimension values (demo catalog dimension name to value) of the affected slice.
	Slice map[string]string
	// Effect is the expected relative change of Metric in Slice against an ordinary day:
	// -0.35 is a 35% drop, 2.0 is a tripling.
	Effect      float64
	Description string
}

// defaultDays is the length of the generated window when Options.Days is zero.
const defaultDays = 730

// Promotions returns the promotions calendar of the default two-year window ending at end
// (the 730 days end-729 .. end): every 618 and 双11 whose dates overlap the window, oldest first.
func Promotions(end time.Time) []Promotion {
	e := dateOf(end)
	return promotionsBetween(e-defaultDays+1, e)
}

func promotionsBetween(first, last date) []Promotion {
	var out []Promotion
	for y := first.Time().Year(); y <= last.Time().Year(); y++ {
		for _, p := range []Promotion{
			{Name: "mid_year_618", LabelZH: "618大促", LabelEN: "618 sale",
				Start: civil(y, time.June, 1).Time(), Peak: civil(y, time.June, 18).Time(), Lift: 2.0},
			{Name: "double_11", LabelZH: "双11", LabelEN: "Singles' Day",
				Start: civil(y, time.November, 1).Time(), Peak: civil(y, time.November, 11).Time(), Lift: 3.0},
		} {
			if dateOf(p.Peak) >= first && dateOf(p.Start) <= last {
				out = append(out, p)
			}
		}
	}
	return out
}

// The planted incidents, in days before the end date.
const (
	outageDaysBeforeEnd = 12 // 华东 小程序 payment outage
	refundDaysBeforeEnd = 5  // 家电 refund spike
	driftDaysBeforeEnd  = 20 // first day of the 西南 visitor drift
	driftDays           = 7
	outageFactor        = 0.65 // conversion multiplier during the outage
	refundFactor        = 3.0  // refund multiplier during the spike
	driftFactor         = 0.98 // daily visitor multiplier during the drift
)

// Incidents returns the three incidents planted relative to end, in date order. Generate
// plants only those inside its window.
func Incidents(end time.Time) []Incident {
	e := dateOf(end)
	drift := math.Pow(driftFactor, driftDays) - 1
	return []Incident{
		{
			Name:   "southwest_visitor_drift",
			Start:  (e - driftDaysBeforeEnd).Time(),
			End:    (e - driftDaysBeforeEnd + driftDays - 1).Time(),
			Metric: "visitors",
			Slice:  map[string]string{"region": "西南"},
			Effect: drift,
			Description: fmt.Sprintf("visitors of region 西南 fall about 2%% a day for %d days (%.1f%% in all) "+
				"and stay at the lower level; orders and GMV follow", driftDays, drift*100),
		},
		{
			Name:   "east_miniprogram_payment_outage",
			Start:  (e - outageDaysBeforeEnd).Time(),
			End:    (e - outageDaysBeforeEnd).Time(),
			Metric: "gmv",
			Slice:  map[string]string{"region": "华东", "channel": "小程序"},
			Effect: outageFactor - 1,
			Description: "a payment outage in the 小程序 channel of region 华东: conversion, orders and GMV " +
				"fall about 35% for the day while visitors are normal",
		},
		{
			Name:   "appliance_refund_spike",
			Start:  (e - refundDaysBeforeEnd).Time(),
			End:    (e - refundDaysBeforeEnd).Time(),
			Metric: "refund_rate",
			Slice:  map[string]string{"category": "家电"},
			Effect: refundFactor - 1,
			Description: "refunds dated that day for 家电 lines (a batch of faulty appliances) roughly " +
				"triple the category's refund rate",
		},
	}
}

// promoLift returns the GMV multiplier of the promotion calendar on day d and whether d is a
// peak day. The build-up ramps up to the day before the peak, then the peak jumps to Lift.
func promoLift(promos []promo, d date) (lift float64, peak bool) {
	for _, p := range promos {
		switch {
		case d == p.peak:
			return p.lift, true
		case d >= p.start && d < p.peak:
			span := float64(p.peak - p.start - 1)
			k := float64(d - p.start)
			if span <= 0 {
				return p.rampFrom, false
			}
			return p.rampFrom + (p.rampTo-p.rampFrom)*k/span, false
		}
	}
	return 1, false
}

// promo is the generator's view of a Promotion.
type promo struct {
	start, peak      date
	lift             float64
	rampFrom, rampTo float64
}

func promosFor(ps []Promotion) []promo {
	out := make([]promo, 0, len(ps))
	for _, p := range ps {
		q := promo{start: dateOf(p.Start), peak: dateOf(p.Peak), lift: p.Lift}
		switch p.Name {
		case "double_11":
			q.rampFrom, q.rampTo = 1.15, 1.75
		default:
			q.rampFrom, q.rampTo = 1.08, 1.40
		}
		out = append(out, q)
	}
	return out
}
