package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The model. Visitors per store, channel and day follow a trend, a yearly season, the day of
// the week, promotions and noise; orders come from visitors times a conversion rate; baskets
// are drawn from the product catalog and then nudged so that the GMV of every region x channel
// x day lands within a small tolerance of visitors x conversion x expected order value. That
// keeps the aggregates the bot analyses as steady as a real chain's, although the demo holds
// only a few hundred orders a day.
const (
	// baseOrders is the number of orders of an ordinary Monday at the end date, all stores,
	// Scale 1.
	baseOrders = 520.0
	growth     = 0.14 // yearly growth rate of traffic
	seasonAmp  = 0.06 // amplitude of the yearly season, peaking in mid January
	seasonPeak = 15   // day of the year of the seasonal peak
	friday     = 1.06 // Friday traffic multiplier

	sdCommon = 0.008 // day noise shared by every store and channel
	sdRegion = 0.006 // day noise of a region
	sdStream = 0.025 // day noise of one store and channel
	sdConv   = 0.015 // day noise of a channel's conversion rate
	sdRefund = 0.050 // day noise of a category's refund rate

	newShare       = 0.25 // share of orders placed by new customers
	newSharePromo  = 0.35
	cancelShare    = 0.03
	discShare      = 0.30 // share of lines with a discount
	discSharePromo = 0.60
	sameCategory   = 0.70 // chance that a further line of an order stays in the first line's category
	gmvTolerance   = 0.015
	refundMinCents = 5_00
	refundMaxLag   = 10
)

var linesPerOrder = []float64{45, 30, 15, 10}

var discounts = []int64{5, 10, 15, 20} // percent

var refundLag = []float64{0.04, 0.10, 0.14, 0.15, 0.14, 0.12, 0.10, 0.08, 0.06, 0.04, 0.03}

type customer struct {
	signup date
	city   string
}

type order struct {
	day         date
	store       int16 // store id
	channel     int8  // channel id
	customer    int32 // customer id
	newCustomer bool
	cancelled   bool
	shipping    int32 // cents
}

type line struct {
	order    int32 // order id
	product  int16 // product id
	qty      int16
	disc     int8 // percent
	refunded bool
	price    int32 // cents
	amount   int32 // cents
	cost     int32 // cents
}

type refund struct {
	order   int32
	line    int32
	product int16
	day     date
	amount  int32
}

type traffic struct {
	day      date
	store    int16
	channel  int8
	visitors int32
}

// dataset is the whole generated demo warehouse. Identifiers are 1-based slice positions.
type dataset struct {
	first, last date
	stores      []storeDef
	products    []productDef
	customers   []customer
	orders      []order
	lines       []line
	refunds     []refund
	traffic     []traffic
}

// generator holds the state of one generation run.
type generator struct {
	o       Options
	r       *rand.Rand
	ds      *dataset
	promos  []promo
	byCat   [][]int      // product indexes per category index
	catW    [][]float64  // cumulative product weights per category index
	qtyW    [][]float64  // cumulative quantity weights per category index
	mixW    [][]float64  // cumulative category mix per channel index
	expLine [][2]float64 // expected line amount in cents per channel index, without and with a promotion
	pools   map[string][]int32
	cities  []string
	// lineDay[k][c] lists the paid lines of category index c ordered k days ago (ring buffer).
	lineDay [refundMaxLag + 1][][]int32
	gmvDay  []int64 // paid GMV per category index of the current day
}

// cell is one region x channel with its carried rounding state.
type cell struct {
	region    string
	channel   channelDef
	stores    []int // indexes into dataset.stores
	acc       float64
	accStore  []float64
	accCancel float64
}

func build(o Options) *dataset {
	last := dateOf(o.End)
	ds := &dataset{
		first:    last - date(o.Days) + 1,
		last:     last,
		stores:   selectStores(o.Stores),
		products: products(),
	}
	g := &generator{
		o:      o,
		r:      rand.New(rand.NewPCG(o.Seed, 0x6d6574726963626f)),
		ds:     ds,
		promos: promosFor(promotionsBetween(ds.first, last)),
		pools:  make(map[string][]int32),
	}
	g.prepare()
	g.run()
	return ds
}

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	sum := 0.0
	for i, v := range w {
		sum += v
		out[i] = sum
	}
	return out
}

// pick draws an index from cumulative weights.
func (g *generator) pick(cum []float64) int {
	u := g.r.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

func (g *generator) prepare() {
	g.byCat = make([][]int, len(categoryDefs))
	g.catW = make([][]float64, len(categoryDefs))
	g.qtyW = make([][]float64, len(categoryDefs))
	lineValue := make([]float64, len(categoryDefs)) // expected list value of a line per category
	for ci, c := range categoryDefs {
		var w []float64
		sumW, sumWP := 0.0, 0.0
		for pi, p := range g.ds.products {
			if p.category == c.id {
				g.byCat[ci] = append(g.byCat[ci], pi)
				w = append(w, p.weight)
				sumW += p.weight
				sumWP += p.weight * float64(p.price)
			}
		}
		g.catW[ci] = cumulative(w)
		g.qtyW[ci] = cumulative(c.qty)
		qty, sumQ := 0.0, 0.0
		for q, wq := range c.qty {
			qty += float64(q+1) * wq
			sumQ += wq
		}
		lineValue[ci] = sumWP / sumW * qty / sumQ
	}
	avgDisc := 0.0
	for _, d := range discounts {
		avgDisc += float64(d) / 100 / float64(len(discounts))
	}
	g.mixW = make([][]float64, len(channelDefs))
	g.expLine = make([][2]float64, len(channelDefs))
	for chi, ch := range channelDefs {
		mix := make([]float64, len(categoryDefs))
		total, value := 0.0, 0.0
		for ci, c := range categoryDefs {
			mix[ci] = c.mix
			if f, ok := ch.tilt[c.name]; ok {
				mix[ci] *= f
			}
			total += mix[ci]
			value += mix[ci] * lineValue[ci]
		}
		g.mixW[chi] = cumulative(mix)
		g.expLine[chi][0] = value / total * (1 - discShare*avgDisc)
		g.expLine[chi][1] = value / total * (1 - discSharePromo*avgDisc)
	}

	seen := make(map[string]bool)
	for _, s := range storeDefs {
		if !seen[s.city] {
			seen[s.city] = true
			g.cities = append(g.cities, s.city)
		}
	}
	for k := range g.lineDay {
		g.lineDay[k] = make([][]int32, len(categoryDefs))
	}
	g.gmvDay = make([]int64, len(categoryDefs))
}

func expectedLines() float64 {
	sum, n := 0.0, 0.0
	for i, w := range linesPerOrder {
		sum += float64(i+1) * w
		n += w
	}
	return sum / n
}

func (g *generator) run() {
	ds, r := g.ds, g.r
	totalSize := 0.0
	for _, s := range storeDefs {
		totalSize += s.size
	}
	var cells []*cell
	for _, reg := range regions {
		var idx []int
		for i, s := range ds.stores {
			if s.region == reg {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			continue
		}
		for _, c := range channelDefs {
			cells = append(cells, &cell{region: reg, channel: c, stores: idx, accStore: make([]float64, len(idx))})
		}
	}
	// expected[store index][channel index] is filled per day.
	expected := make([][]float64, len(ds.stores))
	visitors := make([][]int32, len(ds.stores))
	for i := range expected {
		expected[i] = make([]float64, len(channelDefs))
		visitors[i] = make([]int32, len(channelDefs))
	}
	regionNoise := make(map[string]float64)
	convNoise := make([]float64, len(channelDefs))
	linesK := expectedLines()

	for d := ds.first; d <= ds.last; d++ {
		years := float64(d-ds.last) / 365.25
		trend := math.Exp(growth * years)
		season := 1 + seasonAmp*math.Cos(2*math.Pi*float64(d.Time().YearDay()-seasonPeak)/365.25)
		lift, peak := promoLift(g.promos, d)
		visLift := 1.0
		if peak {
			visLift = math.Pow(lift, 0.4)
		}
		aovLift := math.Pow(lift, 0.12)
		convLift := lift / (visLift * aovLift)
		promoDay := lift != 1
		common := math.Exp(r.NormFloat64() * sdCommon)
		for _, reg := range regions {
			regionNoise[reg] = math.Exp(r.NormFloat64() * sdRegion)
		}
		for ci := range channelDefs {
			convNoise[ci] = math.Exp(r.NormFloat64() * sdConv)
		}
		drift := 1.0
		if k := int(d - (ds.last - driftDaysBeforeEnd)); k >= 0 {
			drift = math.Pow(driftFactor, float64(min(k+1, driftDays)))
		}

		// Traffic and expected orders per store and channel.
		for si, s := range ds.stores {
			open := d >= ds.last-date(s.openedAgo)
			for ci, c := range channelDefs {
				expected[si][ci], visitors[si][ci] = 0, 0
				if !open {
					continue
				}
				v := baseOrders * g.o.Scale * s.size / totalSize * c.share / c.conv
				v *= trend * season * dayOfWeek(c, d) * visLift * common * regionNoise[s.region]
				v *= math.Exp(r.NormFloat64() * sdStream)
				if s.region == "西南" {
					v *= drift
				}
				vi := int32(math.Floor(v + r.Float64()))
				ds.traffic = append(ds.traffic, traffic{day: d, store: int16(s.id), channel: int8(c.id), visitors: vi})
				conv := c.conv * convLift * convNoise[ci]
				if d == ds.last-outageDaysBeforeEnd && s.region == "华东" && c.name == "小程序" {
					conv *= outageFactor
				}
				visitors[si][ci] = vi
				expected[si][ci] = float64(vi) * conv
			}
		}

		// Orders and baskets per region x channel.
		for _, sl := range cells {
			g.fillCell(sl, d, expected, visitors, promoDay, aovLift, linesK)
		}
		g.refundDay(d)
	}
}

// dayOfWeek returns the traffic multiplier of channel c on day d.
func dayOfWeek(c channelDef, d date) float64 {
	switch d.weekday() {
	case time.Friday:
		return friday
	case time.Saturday:
		return c.sat
	case time.Sunday:
		return c.sun
	}
	return 1
}

// fillCell creates the orders of one region x channel on day d.
func (g *generator) fillCell(sl *cell, d date, expected [][]float64, visitors [][]int32, promoDay bool, aovLift, linesK float64) {
	ds, r := g.ds, g.r
	ci := sl.channel.id - 1
	x := 0.0
	for _, si := range sl.stores {
		x += expected[si][ci]
	}
	sl.acc += x
	n := int(math.Floor(sl.acc + 0.5))
	if x <= 0 || n <= 0 {
		return
	}
	// Share n among the stores by their expected orders, carrying the rounding per store and
	// never giving a store more orders than visitors.
	counts := make([]int, len(sl.stores))
	want := make([]float64, len(sl.stores))
	given := 0
	for k, si := range sl.stores {
		want[k] = sl.accStore[k] + expected[si][ci]*float64(n)/x
		counts[k] = min(max(int(math.Floor(want[k])), 0), int(visitors[si][ci]))
		given += counts[k]
	}
	for given < n {
		best, bestFrac := -1, math.Inf(-1)
		for k, si := range sl.stores {
			if counts[k] >= int(visitors[si][ci]) {
				continue
			}
			if f := want[k] - float64(counts[k]); f > bestFrac {
				best, bestFrac = k, f
			}
		}
		if best < 0 {
			break
		}
		counts[best]++
		given++
	}
	for k := range sl.stores {
		sl.accStore[k] = want[k] - float64(counts[k])
	}
	sl.acc -= float64(given)

	first := len(ds.orders)
	pNew := newShare
	if promoDay {
		pNew = newSharePromo
	}
	var returning []int
	for k, si := range sl.stores {
		s := ds.stores[si]
		for range counts[k] {
			o := order{day: d, store: int16(s.id), channel: int8(sl.channel.id)}
			pool := g.pools[sl.region]
			if len(pool) == 0 || r.Float64() < pNew {
				city := s.city
				if sl.channel.kind == "线上" && r.Float64() < 0.15 {
					city = g.cities[r.IntN(len(g.cities))]
				}
				signup := d
				if r.Float64() >= 0.55 {
					signup -= date(1 + r.IntN(400))
				}
				ds.customers = append(ds.customers, customer{signup: signup, city: city})
				o.customer = int32(len(ds.customers))
				o.newCustomer = true
				g.pools[sl.region] = append(pool, o.customer)
			} else {
				o.customer = pool[r.IntN(len(pool))]
				returning = append(returning, len(ds.orders))
			}
			ds.orders = append(ds.orders, o)
		}
	}
	// Cancellations fall on returning customers' orders so that a customer's first order is
	// always paid.
	sl.accCancel += cancelShare * float64(given)
	nc := min(int(math.Floor(sl.accCancel+0.5)), len(returning))
	sl.accCancel -= float64(nc)
	for i := range nc {
		j := i + r.IntN(len(returning)-i)
		returning[i], returning[j] = returning[j], returning[i]
		ds.orders[returning[i]].cancelled = true
	}

	// Baskets.
	pDisc := discShare
	if promoDay {
		pDisc = discSharePromo
	}
	var paid []int
	var sum int64
	firstLine := len(ds.lines)
	for oi := first; oi < len(ds.orders); oi++ {
		k := 1 + g.pick(cumLines)
		cat := g.pick(g.mixW[ci])
		for j := range k {
			if j > 0 && r.Float64() >= sameCategory {
				cat = g.pick(g.mixW[ci])
			}
			p := g.byCat[cat][g.pick(g.catW[cat])]
			qty := 1 + g.pick(g.qtyW[cat])
			var disc int64
			if r.Float64() < pDisc {
				disc = discounts[r.IntN(len(discounts))]
			}
			l := g.makeLine(int32(oi+1), p, int64(qty), disc)
			ds.lines = append(ds.lines, l)
			if !ds.orders[oi].cancelled {
				paid = append(paid, len(ds.lines)-1)
				sum += int64(l.amount)
			}
		}
	}
	expOrder := g.expLine[ci][0]
	if promoDay {
		expOrder = g.expLine[ci][1]
	}
	// The target follows the expected rather than the rounded number of orders: on a small
	// slice one order more or less would otherwise move GMV by 10-20%, far more than a real
	// chain's daily noise. Orders are rounded; GMV stays smooth and AOV absorbs the rounding.
	target := int64(x * (1 - cancelShare) * linesK * expOrder * aovLift)
	g.repair(paid, sum, target)

	// Shipping fees and the refund pools.
	gross := make([]int64, len(ds.orders)-first)
	for li := firstLine; li < len(ds.lines); li++ {
		l := ds.lines[li]
		gross[int(l.order)-1-first] += int64(l.amount)
		if !ds.orders[l.order-1].cancelled {
			cat := ds.products[l.product-1].category - 1
			g.lineDay[0][cat] = append(g.lineDay[0][cat], int32(li))
			g.gmvDay[cat] += int64(l.amount)
		}
	}
	if fee := sl.channel.shipFee; fee > 0 {
		for oi := first; oi < len(ds.orders); oi++ {
			if gross[oi-first] < freeShipCents {
				ds.orders[oi].shipping = int32(fee)
			}
		}
	}
}

var cumLines = cumulative(linesPerOrder)

func (g *generator) makeLine(orderID int32, p int, qty, disc int64) line {
	pd := g.ds.products[p]
	return line{
		order:   orderID,
		product: int16(pd.id),
		qty:     int16(qty),
		disc:    int8(disc),
		price:   int32(pd.price),
		amount:  int32((qty*pd.price*(100-disc) + 50) / 100),
		cost:    int32(qty * pd.cost),
	}
}

// repair nudges quantities and products (within their category) of the given lines until
// their sum is within gmvTolerance of target. Random single-line moves do almost all of the
// work; when they get stuck (one expensive line on a small slice), a best-fit pass over the
// largest lines unblocks them.
func (g *generator) repair(idx []int, sum, target int64) int64 {
	if len(idx) == 0 {
		return sum
	}
	tol := int64(gmvTolerance * float64(target))
	sum = g.nudge(idx, sum, target, tol)
	if abs(target-sum) <= tol {
		return sum
	}
	ds := g.ds
	order := slices.Clone(idx)
	slices.SortFunc(order, func(a, b int) int { return int(ds.lines[b].amount - ds.lines[a].amount) })
	for _, li := range order {
		if abs(target-sum) <= tol {
			break
		}
		l := ds.lines[li]
		cat := ds.products[l.product-1].category - 1
		// Prefer landing below the target: the remaining lines can always grow, but they
		// may already be as cheap as they get.
		score := func(nl line) int64 {
			d := target - sum - int64(nl.amount-l.amount)
			if d < -tol {
				return -d + target
			}
			return abs(d)
		}
		best, bestScore := l, score(l)
		for _, p := range g.byCat[cat] {
			for q := 1; q <= len(categoryDefs[cat].qty); q++ {
				nl := g.makeLine(l.order, p, int64(q), int64(l.disc))
				if s := score(nl); s < bestScore {
					best, bestScore = nl, s
				}
			}
		}
		sum += int64(best.amount - l.amount)
		ds.lines[li] = best
	}
	return g.nudge(idx, sum, target, tol)
}

// nudge makes random single-line moves that bring sum closer to target.
func (g *generator) nudge(idx []int, sum, target, tol int64) int64 {
	ds, r := g.ds, g.r
	for it := 0; it < 40*len(idx) && abs(target-sum) > tol; it++ {
		li := idx[r.IntN(len(idx))]
		l := ds.lines[li]
		diff := target - sum
		cat := ds.products[l.product-1].category - 1
		p, qty := int(l.product)-1, int64(l.qty)
		if r.IntN(2) == 0 {
			switch {
			case diff > 0 && int(qty) < len(categoryDefs[cat].qty):
				qty++
			case diff < 0 && qty > 1:
				qty--
			default:
				continue
			}
		} else {
			p = g.byCat[cat][g.pick(g.catW[cat])]
		}
		nl := g.makeLine(l.order, p, qty, int64(l.disc))
		if abs(diff-int64(nl.amount-l.amount)) < abs(diff) {
			sum += int64(nl.amount - l.amount)
			ds.lines[li] = nl
		}
	}
	return sum
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

var cumRefundLag = cumulative(refundLag)

// refundDay creates the refunds dated d and rotates the refund pools.
func (g *generator) refundDay(d date) {
	ds, r := g.ds, g.r
	for ci, c := range categoryDefs {
		rate := c.refund * math.Exp(r.NormFloat64()*sdRefund)
		if d == ds.last-refundDaysBeforeEnd && c.name == "家电" {
			rate *= refundFactor
		}
		remaining := int64(math.Round(rate * float64(g.gmvDay[ci])))
		for try := 0; try < 400 && remaining >= refundMinCents; try++ {
			lag := g.pick(cumRefundLag)
			if d-date(lag) < ds.first {
				continue
			}
			pool := g.lineDay[lag][ci]
			if len(pool) == 0 {
				continue
			}
			li := pool[r.IntN(len(pool))]
			l := &ds.lines[li]
			if l.refunded {
				continue
			}
			amount := int64(l.amount)
			if amount > remaining {
				// A partial refund (price protection, a damaged item) closes the day, but
				// most refunds return whole lines.
				if try < 200 && r.Float64() < 0.75 {
					continue
				}
				amount = remaining
			}
			l.refunded = true
			remaining -= amount
			ds.refunds = append(ds.refunds, refund{
				order: l.order, line: li + 1, product: l.product, day: d, amount: int32(amount),
			})
		}
	}
	// Rotate: today's pool becomes yesterday's.
	oldest := g.lineDay[refundMaxLag]
	copy(g.lineDay[1:], g.lineDay[:refundMaxLag])
	for ci := range oldest {
		oldest[ci] = oldest[ci][:0]
		g.gmvDay[ci] = 0
	}
	g.lineDay[0] = oldest
}
