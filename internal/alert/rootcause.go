package alert

import (
	"math"
	"sort"
)

// Item is one value of a dimension with its numbers in the baseline and the alert period. For a
// ratio metric Num and Den hold the numerator and denominator; Base and Cur are then ignored.
type Item struct {
	Value            string
	Base, Cur        float64
	BaseNum, BaseDen float64
	CurNum, CurDen   float64
}

// Contributor is one dimension value's part in a change.
type Contributor struct {
	Dimension string `json:"dimension"`
	Value     string `json:"value"`
	// Base and Current are the value's own metric values (its rate, for a ratio metric).
	Base    float64 `json:"base"`
	Current float64 `json:"current"`
	// PctChange is Current / Base - 1 (0 when Base is 0).
	PctChange float64 `json:"pct_change"`
	// Effect is the value's part of the total change, in the metric's unit. The effects of a
	// breakdown and its remainder add up to the total change.
	Effect float64 `json:"effect"`
	// Contribution is Effect / total change.
	Contribution float64 `json:"contribution"`
	// Rate and Mix split Effect for a ratio metric: the value's own rate moved (Rate), or its
	// weight in the denominator moved (Mix). Rate + Mix = Effect.
	Rate float64 `json:"rate_effect,omitempty"`
	Mix  float64 `json:"mix_effect,omitempty"`
	// Share is the value's share of the total (of the denominator, for a ratio metric), averaged
	// over both periods.
	Share float64 `json:"share"`
	// Score ranks contributors: how much more of the change the value made than its share would
	// suggest (contribution, at most 1, minus share), times its own relative change (at most 1),
	// scaled down for values under 5% of the total. A value that moved like everything else
	// scores about zero, however large it is.
	Score float64 `json:"score"`
}

// Breakdown is the change split over the values of one dimension, with the remainder.
type Breakdown struct {
	Dimension string        `json:"dimension"`
	Parts     []Contributor `json:"parts"`
	// Other is what the parts leave: the values not listed and, for metrics whose slices do not
	// add up to the total (distinct counts), the difference. Parts plus Other is the total.
	Other Contributor `json:"other"`
	Score float64     `json:"score"`
}

// maxRelChange caps a value's relative change in the score: a value that doubled or vanished
// has moved as much as a value can move, and tiny values that jumped from almost nothing must not
// outrank a large one.
const maxRelChange = 1

// SplitAdditive splits the change of an additive-by-difference metric from totalBase to totalCur
// over items, keeping the keep parts with the highest score. Each item's effect is its own
// difference.
func SplitAdditive(dim string, items []Item, totalBase, totalCur float64, keep int) Breakdown {
	delta := totalCur - totalBase
	var sb, sc float64
	for _, it := range items {
		sb += math.Abs(it.Base)
		sc += math.Abs(it.Cur)
	}
	parts := make([]Contributor, 0, len(items))
	for _, it := range items {
		c := Contributor{Dimension: dim, Value: it.Value, Base: it.Base, Current: it.Cur, Effect: it.Cur - it.Base}
		finish(&c, delta, div(math.Abs(it.Base)+math.Abs(it.Cur), sb+sc))
		parts = append(parts, c)
	}
	return keepTop(dim, parts, delta, keep)
}

// SplitRatio splits the change of a ratio metric R = sum(num) / sum(den) from totalBase to
// totalCur over items. With w the share of the denominator and r the item's rate, each item's
// change of w*r is split exactly into a rate effect mean(w) x Δr and a mix effect
// (mean(r) - mean(R)) x Δw; over all items the effects add up to the change of the ratio of the
// items' sums, and the remainder takes any difference from the reported totals.
func SplitRatio(dim string, items []Item, totalBase, totalCur float64, keep int) Breakdown {
	delta := totalCur - totalBase
	var nb, db, nc, dc float64
	for _, it := range items {
		nb += it.BaseNum
		db += it.BaseDen
		nc += it.CurNum
		dc += it.CurDen
	}
	rb, rc := div(nb, db), div(nc, dc)
	rMean := (rb + rc) / 2
	parts := make([]Contributor, 0, len(items))
	for _, it := range items {
		wb, wc := div(it.BaseDen, db), div(it.CurDen, dc)
		r0, r1 := div(it.BaseNum, it.BaseDen), div(it.CurNum, it.CurDen)
		// A value absent from one period has no rate there; its rate does not move.
		if it.BaseDen == 0 {
			r0 = r1
		}
		if it.CurDen == 0 {
			r1 = r0
		}
		c := Contributor{Dimension: dim, Value: it.Value, Base: r0, Current: r1}
		c.Rate = (wb + wc) / 2 * (r1 - r0)
		c.Mix = ((r0+r1)/2 - rMean) * (wc - wb)
		c.Effect = c.Rate + c.Mix
		finish(&c, delta, (wb+wc)/2)
		parts = append(parts, c)
	}
	return keepTop(dim, parts, delta, keep)
}

// finish fills in the derived fields of c for a total change delta; share is the value's share
// of the total (of the denominator, for a ratio), averaged over both periods.
func finish(c *Contributor, delta, share float64) {
	if c.Base != 0 {
		c.PctChange = c.Current/c.Base - 1
	}
	if delta != 0 {
		c.Contribution = c.Effect / delta
	}
	rel := math.Abs(c.PctChange)
	if c.Base == 0 && c.Current != 0 {
		rel = maxRelChange
	}
	c.Share = share
	c.Score = max(min(c.Contribution, 1)-share, 0) * min(rel, maxRelChange) * min(share/smallShare, 1)
}

// smallShare is the share of the total under which a value's score is scaled down in
// proportion: a single order or refund moves a small value by multiples, which is noise, not a
// cause.
const smallShare = 0.05

// keepTop keeps the keep best parts by score and puts the rest in the remainder, so that the
// parts and the remainder add up to delta exactly.
func keepTop(dim string, parts []Contributor, delta float64, keep int) Breakdown {
	sort.SliceStable(parts, func(i, j int) bool {
		if parts[i].Score != parts[j].Score {
			return parts[i].Score > parts[j].Score
		}
		return math.Abs(parts[i].Effect) > math.Abs(parts[j].Effect)
	})
	if keep > 0 && len(parts) > keep {
		parts = parts[:keep]
	}
	b := Breakdown{Dimension: dim, Parts: parts, Other: Contributor{Dimension: dim, Value: OtherValue}}
	listed := 0.0
	for _, p := range parts {
		listed += p.Effect
		b.Score = max(b.Score, p.Score)
	}
	b.Other.Effect = delta - listed
	if delta != 0 {
		b.Other.Contribution = b.Other.Effect / delta
	}
	return b
}

// OtherValue names the remainder of a breakdown.
const OtherValue = "(other)"

// Rank returns the n contributors with the highest scores across breakdowns.
func Rank(bs []Breakdown, n int) []Contributor {
	var all []Contributor
	for _, b := range bs {
		all = append(all, b.Parts...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Score > all[j].Score })
	var out []Contributor
	for _, c := range all {
		if len(out) == n || c.Score <= 0 {
			break
		}
		out = append(out, c)
	}
	return out
}

// Factor is one factor of a metric's decomposition and its part in the metric's change.
type Factor struct {
	Metric    string  `json:"metric"`
	Base      float64 `json:"base"`
	Current   float64 `json:"current"`
	PctChange float64 `json:"pct_change"`
	// Share is ln(current / base) / ln(metric current / metric base): the factor's part of the
	// metric's log change. The shares of a product identity add up to 1.
	Share float64 `json:"share"`
}

// AttributeFactors splits the log change of a metric that is the product of factors. base and
// cur hold the factors' values in order. It returns false when a value is not positive or the
// metric did not move, since the shares are then undefined.
func AttributeFactors(names []string, base, cur []float64, metricBase, metricCur float64) ([]Factor, bool) {
	if metricBase <= 0 || metricCur <= 0 || len(base) != len(names) || len(cur) != len(names) {
		return nil, false
	}
	total := math.Log(metricCur / metricBase)
	if math.Abs(total) < 1e-12 {
		return nil, false
	}
	out := make([]Factor, len(names))
	for i, n := range names {
		if base[i] <= 0 || cur[i] <= 0 {
			return nil, false
		}
		out[i] = Factor{Metric: n, Base: base[i], Current: cur[i], PctChange: cur[i]/base[i] - 1,
			Share: math.Log(cur[i]/base[i]) / total}
	}
	return out, true
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
