package nlq

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// lit returns the length in runes of s if t continues with s at i, else 0. A literal that starts
// or ends with a Latin letter or digit must also start or end a word there.
func lit(t []rune, i int, s string) int {
	k := i
	var first, last rune
	for _, r := range s {
		if k >= len(t) || t[k] != r {
			return 0
		}
		if k == i {
			first = r
		}
		last = r
		k++
	}
	if k == i {
		return 0
	}
	if isLatin(first) && !wordStart(t, i) {
		return 0
	}
	if isLatin(last) && !wordEnd(t, k) {
		return 0
	}
	return k - i
}

// litAny returns the length of the longest of ss that t continues with at i.
func litAny(t []rune, i int, ss ...string) int {
	best := 0
	for _, s := range ss {
		if n := lit(t, i, s); n > best {
			best = n
		}
	}
	return best
}

// sp skips one optional space at i.
func sp(t []rune, i int) int {
	if i < len(t) && t[i] == ' ' {
		return i + 1
	}
	return i
}

// dates resolves date expressions against today, the current date in the catalog's time zone,
// and the catalog's named events.
type dates struct {
	today  catalog.Date
	events []eventName
}

// eventName is one normalised name of a catalog event (its name, or a label).
type eventName struct {
	key []rune
	ev  *catalog.Event
}

// eventNames indexes the names and labels of the catalog's events, longest first. A Latin label
// is also indexed without its apostrophes (Singles' Day, singles day).
func eventNames(evs []*catalog.Event) []eventName {
	var out []eventName
	seen := map[string]bool{}
	for _, ev := range evs {
		for _, s := range []string{ev.Name, ev.Label.ZH, ev.Label.EN} {
			n := string(normalizeQuestion(s))
			for _, k := range []string{n, strings.ReplaceAll(n, "'", "")} {
				if len([]rune(k)) < 2 || seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, eventName{key: []rune(k), ev: ev})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].key) > len(out[j].key) })
	return out
}

// event reads the name of a catalog event at i. The event means its days in the most recent
// occurrence that has started (clipped to today inclusive): on 2026-12-01 the yearly 双11 is
// 2026-11-11, on 2026-11-05 it is 2025-11-11.
func (d dates) event(t []rune, i int) (catalog.TimeRange, int) {
	for _, e := range d.events {
		n := len(e.key)
		if i+n > len(t) || string(t[i:i+n]) != string(e.key) {
			continue
		}
		if isLatin(t[i]) && !wordStart(t, i) || isLatin(t[i+n-1]) && !wordEnd(t, i+n) {
			continue
		}
		if r, ok := d.eventRange(e.ev); ok {
			return r, n
		}
	}
	return catalog.TimeRange{}, 0
}

// eventRange returns the days of the most recent occurrence of ev that has started.
func (d dates) eventRange(ev *catalog.Event) (catalog.TimeRange, bool) {
	days := max(ev.Days, 1)
	if start, err := catalog.ParseDate(ev.Date); err == nil {
		if start.After(d.today) {
			return catalog.TimeRange{}, false
		}
		return d.soFar(catalog.TimeRange{Start: start, End: start.AddDays(days)}), true
	}
	ms, ds, ok := strings.Cut(ev.Date, "-")
	m, err1 := strconv.Atoi(ms)
	day, err2 := strconv.Atoi(ds)
	if !ok || err1 != nil || err2 != nil {
		return catalog.TimeRange{}, false
	}
	r := d.recent(func(y int) catalog.TimeRange {
		r, _ := daySpan(y, m, day)
		r.End = r.Start.AddDays(days)
		return r
	})
	return r, r.Valid()
}

// sameDay is the words that, right after a date, mean "that day" (双11当天, 6月18日当天).
var sameDay = []string{"当天", "当日", "那天", "那一天", "这天", "这一天", "on the day"}

func (d dates) tomorrow() catalog.Date { return d.today.AddDays(1) }

// soFar clips r so that it ends no later than today inclusive.
func (d dates) soFar(r catalog.TimeRange) catalog.TimeRange {
	if r.End.After(d.tomorrow()) && !r.Start.After(d.today) {
		r.End = d.tomorrow()
	}
	return r
}

// recent returns the most recent period that has started, of the kind that span(year) builds,
// clipped to today inclusive. It implements "March", "Q3" and 上半年 without a year.
func (d dates) recent(span func(year int) catalog.TimeRange) catalog.TimeRange {
	r := span(d.today.Year)
	if r.Start.After(d.today) {
		r = span(d.today.Year - 1)
	}
	return d.soFar(r)
}

func monthSpan(m int) func(int) catalog.TimeRange {
	return func(y int) catalog.TimeRange {
		s := catalog.NewDate(y, time.Month(m), 1)
		return catalog.TimeRange{Start: s, End: s.AddMonths(1)}
	}
}

func quarterSpan(q int) func(int) catalog.TimeRange {
	return func(y int) catalog.TimeRange {
		s := catalog.NewDate(y, time.Month(3*q-2), 1)
		return catalog.TimeRange{Start: s, End: s.AddMonths(3)}
	}
}

func halfSpan(h int) func(int) catalog.TimeRange {
	return func(y int) catalog.TimeRange {
		s := catalog.NewDate(y, time.Month(6*h-5), 1)
		return catalog.TimeRange{Start: s, End: s.AddMonths(6)}
	}
}

func yearSpan(y int) catalog.TimeRange {
	return catalog.TimeRange{Start: catalog.NewDate(y, 1, 1), End: catalog.NewDate(y+1, 1, 1)}
}

func daySpan(y, m, day int) (catalog.TimeRange, bool) {
	if m < 1 || m > 12 || day < 1 || day > 31 {
		return catalog.TimeRange{}, false
	}
	s := catalog.NewDate(y, time.Month(m), day)
	if s.Month != time.Month(m) {
		return catalog.TimeRange{}, false
	}
	return catalog.TimeRange{Start: s, End: s.AddDays(1)}, true
}

// fixedDates are the date words with no number in them.
var fixedDates = map[string]func(d dates) catalog.TimeRange{}

func init() {
	day := func(off int) func(d dates) catalog.TimeRange {
		return func(d dates) catalog.TimeRange {
			s := d.today.AddDays(off)
			return catalog.TimeRange{Start: s, End: s.AddDays(1)}
		}
	}
	current := func(g catalog.Grain) func(d dates) catalog.TimeRange {
		return func(d dates) catalog.TimeRange {
			return catalog.TimeRange{Start: g.Start(d.today), End: d.tomorrow()}
		}
	}
	previous := func(g catalog.Grain, n int) func(d dates) catalog.TimeRange {
		return func(d dates) catalog.TimeRange {
			end := g.Start(d.today)
			start := end
			for range n {
				start = g.Start(start.AddDays(-1))
			}
			return catalog.TimeRange{Start: start, End: end}
		}
	}
	// before returns the one whole unit that ended n units before the current one began:
	// 上上周 is before(Week, 1), the week before last week.
	before := func(g catalog.Grain, n int) func(d dates) catalog.TimeRange {
		return func(d dates) catalog.TimeRange {
			end := g.Start(d.today)
			for range n {
				end = g.Start(end.AddDays(-1))
			}
			return catalog.TimeRange{Start: g.Start(end.AddDays(-1)), End: end}
		}
	}
	add := func(f func(d dates) catalog.TimeRange, words ...string) {
		for _, w := range words {
			fixedDates[w] = f
		}
	}
	defer func() {
		for w := range fixedDates {
			if r := []rune(w)[0]; isHan(r) {
				dateHan[r] = true
			}
		}
	}()
	add(day(0), "今天", "今日", "当天", "today")
	add(day(-1), "昨天", "昨日", "yesterday")
	add(day(-2), "前天", "前日", "day before yesterday", "the day before yesterday")
	add(current(catalog.Week), "本周", "这周", "这星期", "本星期", "这个星期", "这一周", "本周至今", "this week", "week to date", "wtd")
	add(previous(catalog.Week, 1), "上周", "上星期", "上个星期", "上一周", "上个周", "last week", "previous week", "prior week")
	add(current(catalog.Month), "本月", "这个月", "当月", "这月", "本月至今", "月初至今", "this month", "month to date", "mtd")
	add(previous(catalog.Month, 1), "上月", "上个月", "上一个月", "上一月", "last month", "previous month", "prior month")
	add(current(catalog.Quarter), "本季度", "本季", "这个季度", "这季度", "当季", "当季度", "this quarter", "quarter to date", "qtd")
	add(previous(catalog.Quarter, 1), "上季度", "上个季度", "上一季度", "上季", "上一个季度", "last quarter", "previous quarter", "prior quarter")
	add(current(catalog.Year), "今年", "本年", "本年度", "今年以来", "年初至今", "今年至今", "this year", "year to date", "ytd", "this year so far")
	add(previous(catalog.Year, 1), "去年", "上一年", "上年", "去年全年", "last year", "previous year", "prior year")
	add(before(catalog.Year, 1), "前年")
	add(day(-3), "大前天", "大前日")
	add(before(catalog.Week, 1), "上上周", "上上星期", "上上个星期", "上上个周", "上上一周", "the week before last", "week before last")
	add(before(catalog.Month, 1), "上上月", "上上个月", "上上一个月", "the month before last", "month before last")
	add(before(catalog.Quarter, 1), "上上季度", "上上个季度", "上上季", "the quarter before last", "quarter before last")
	add(before(catalog.Year, 2), "大前年")
}

// yearSpec reads a year at i: 2024年, 24年, 今年, 去年, 前年, or (bare) 2024 / 2024年度. It returns
// the year, the length, and whether the year was written as bare digits with no 年.
func (d dates) yearSpec(t []rune, i int) (int, int, bool) {
	switch {
	case lit(t, i, "今年") > 0 || lit(t, i, "本年") > 0:
		return d.today.Year, 2, false
	case lit(t, i, "去年") > 0 || lit(t, i, "上年") > 0:
		return d.today.Year - 1, 2, false
	case lit(t, i, "前年") > 0:
		return d.today.Year - 2, 2, false
	case lit(t, i, "this year") > 0:
		return d.today.Year, 9, false
	case lit(t, i, "last year") > 0:
		return d.today.Year - 1, 9, false
	}
	if i > 0 && isDigit(t[i-1]) {
		return 0, 0, false
	}
	v, n := digits(t, i)
	switch {
	case n == 4 && v >= 1990 && v <= 2099:
		if k := litAny(t, i+n, "年度", "年"); k > 0 {
			return v, n + k, false
		}
		if i+n < len(t) && (isDigit(t[i+n]) || t[i+n] == '.' || t[i+n] == ',') {
			return 0, 0, false
		}
		if wordEnd(t, i+n) || isHan(t[i+n]) {
			return v, n, true
		}
	case n == 2:
		if k := lit(t, i+n, "年"); k > 0 {
			return 2000 + v, n + k, false
		}
	}
	return 0, 0, false
}

// monthDay reads 3月, 三月份, 3月5日, 3月5号 at i and returns month, day (0 when absent), length.
func monthDay(t []rune, i int) (int, int, int) {
	m, n := integer(t, i)
	if n == 0 || m < 1 || m > 12 || !isDigitOrCN(t[i]) {
		return 0, 0, 0
	}
	k := litAny(t, i+n, "月份", "月")
	if k == 0 {
		return 0, 0, 0
	}
	j := i + n + k
	if day, dn := integer(t, j); dn > 0 && isDigitOrCN(t[j]) {
		if e := litAny(t, j+dn, "日", "号"); e > 0 && day >= 1 && day <= 31 {
			return m, day, j + dn + e - i
		}
	}
	return m, 0, j - i
}

func isDigitOrCN(r rune) bool {
	_, cn := cnDigits[r]
	_, u := cnUnits[r]
	return isDigit(r) || cn || u
}

// quarter reads Q3, 三季度, 第三季度, 3季度, third quarter at i and returns the quarter and length.
func quarter(t []rune, i int) (int, int) {
	if i < len(t) && t[i] == 'q' && wordStart(t, i) && i+1 < len(t) && t[i+1] >= '1' && t[i+1] <= '4' && wordEnd(t, i+2) {
		return int(t[i+1] - '0'), 2
	}
	j := i
	if lit(t, j, "第") > 0 {
		j++
	}
	if q, n := integer(t, j); n > 0 && q >= 1 && q <= 4 && isDigitOrCN(t[j]) {
		if k := litAny(t, j+n, "季度", "季"); k > 0 {
			return q, j + n + k - i
		}
	}
	for q, w := range []string{"first quarter", "second quarter", "third quarter", "fourth quarter"} {
		if n := lit(t, i, w); n > 0 {
			return q + 1, n
		}
	}
	return 0, 0
}

// half reads 上半年, 下半年, H1, first half at i and returns 1 or 2 and the length.
func half(t []rune, i int) (int, int) {
	if n := litAny(t, i, "上半年", "h1", "first half", "1h"); n > 0 {
		return 1, n
	}
	if n := litAny(t, i, "下半年", "h2", "second half", "2h"); n > 0 {
		return 2, n
	}
	return 0, 0
}

var enMonths = map[string]int{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
	"sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

// enMonth reads an English month name at i.
func enMonth(t []rune, i int) (int, int) {
	if !wordStart(t, i) {
		return 0, 0
	}
	j := i
	for j < len(t) && t[j] >= 'a' && t[j] <= 'z' {
		j++
	}
	if m, ok := enMonths[string(t[i:j])]; ok && wordEnd(t, j) {
		if j < len(t) && t[j] == '.' {
			j++
		}
		return m, j - i
	}
	return 0, 0
}

// atom reads one date expression at i. It returns the range, its length and whether it is a bare
// four-digit year (which may also be a plain number).
func (d dates) atom(t []rune, i int) (catalog.TimeRange, int, bool) {
	var best catalog.TimeRange
	bestN, bare := 0, false
	try := func(r catalog.TimeRange, n int, b bool) {
		if n > bestN && r.Valid() {
			best, bestN, bare = r, n, b
		}
	}
	if r, n := d.event(t, i); n > 0 {
		try(r, n, false)
	}
	// Fixed words.
	for k := 1; k <= 28 && i+k <= len(t); k++ {
		if f, ok := fixedDates[string(t[i:i+k])]; ok && (!isLatin(t[i]) || (wordStart(t, i) && wordEnd(t, i+k))) {
			try(f(d), k, false)
		}
	}
	// Last N units.
	if r, n := d.lastN(t, i); n > 0 {
		try(r, n, false)
	}
	// ISO dates: 2024-03-05, 2024/3/5, 2024.03.05, 2024-03.
	if y, n := digits(t, i); n == 4 && i+n < len(t) && (t[i+n] == '-' || t[i+n] == '/' || t[i+n] == '.') && (i == 0 || !isDigit(t[i-1])) {
		sep := t[i+n]
		if m, mn := digits(t, i+n+1); mn >= 1 && mn <= 2 {
			j := i + n + 1 + mn
			if j < len(t) && t[j] == sep {
				if day, dn := digits(t, j+1); dn >= 1 && dn <= 2 {
					if r, ok := daySpan(y, m, day); ok {
						try(r, j+1+dn-i, false)
					}
				}
			} else if m >= 1 && m <= 12 && (j >= len(t) || !isDigit(t[j])) {
				try(d.soFar(monthSpan(m)(y)), j-i, false)
			}
		}
	}
	// A year, optionally followed by a month, day, quarter or half.
	if y, n, b := d.yearSpec(t, i); n > 0 {
		try(d.soFar(yearSpan(y)), n, b)
		j := sp(t, i+n)
		if lit(t, j, "的") > 0 {
			j++
		}
		if m, day, k := monthDay(t, j); k > 0 {
			if day > 0 {
				if r, ok := daySpan(y, m, day); ok {
					try(r, j+k-i, false)
				}
			} else {
				try(d.soFar(monthSpan(m)(y)), j+k-i, false)
			}
		}
		if q, k := quarter(t, j); k > 0 {
			try(d.soFar(quarterSpan(q)(y)), j+k-i, false)
		}
		if h, k := half(t, j); k > 0 {
			try(d.soFar(halfSpan(h)(y)), j+k-i, false)
		}
		if m, k := enMonth(t, j); k > 0 {
			try(d.soFar(monthSpan(m)(y)), j+k-i, false)
		}
	}
	// A month (and day) with no year: the most recent one that has started.
	if m, day, k := monthDay(t, i); k > 0 {
		if day > 0 {
			r := d.recent(func(y int) catalog.TimeRange { r, _ := daySpan(y, m, day); return r })
			try(r, k, false)
		} else {
			try(d.recent(monthSpan(m)), k, false)
		}
	}
	if q, k := quarter(t, i); k > 0 {
		try(d.recent(quarterSpan(q)), k, false)
		j := sp(t, i+k)
		if y, n, _ := d.yearSpec(t, j); n > 0 {
			try(d.soFar(quarterSpan(q)(y)), j+n-i, false)
		}
	}
	if h, k := half(t, i); k > 0 {
		try(d.recent(halfSpan(h)), k, false)
		j := sp(t, i+k)
		if y, n, _ := d.yearSpec(t, j); n > 0 {
			try(d.soFar(halfSpan(h)(y)), j+n-i, false)
		}
	}
	if m, k := enMonth(t, i); k > 0 {
		// "may" alone is too often the verb; it needs a day or a year.
		if string(t[i:i+k]) != "may" || prevWordIn(t, i, "to", "in", "since", "from", "until", "through", "of", "for") {
			try(d.recent(monthSpan(m)), k, false)
		}
		j := sp(t, i+k)
		if day, dn := digits(t, j); dn > 0 && dn <= 2 {
			e := j + dn + litAny(t, j+dn, "st", "nd", "rd", "th")
			if wordEnd(t, e) {
				if r, ok := daySpan(d.today.Year, m, day); ok {
					if r.Start.After(d.today) {
						r, _ = daySpan(d.today.Year-1, m, day)
					}
					try(r, e-i, false)
				}
				k2 := e
				if k2 < len(t) && t[k2] == ',' {
					k2++
				}
				k2 = sp(t, k2)
				if y, yn := digits(t, k2); yn == 4 {
					if r, ok := daySpan(y, m, day); ok {
						try(r, k2+yn-i, false)
					}
				}
			}
		}
		if y, yn := digits(t, j); yn == 4 && wordEnd(t, j+yn) {
			try(d.soFar(monthSpan(m)(y)), j+yn-i, false)
		}
	}
	return best, bestN, bare
}

// lastN reads 近7天, 最近30天, 过去半个月, 前3天, last 30 days, past 3 months at i. Days and weeks
// count complete days ending yesterday (N or 7N days); months, quarters and years count complete
// calendar units before the current one.
func (d dates) lastN(t []rune, i int) (catalog.TimeRange, int) {
	j := i
	zh := false
	if k := litAny(t, i, "最近", "近", "过去", "前", "过去的", "最近的"); k > 0 {
		j, zh = i+k, true
	} else if k := litAny(t, i, "last", "past", "previous", "trailing", "the last", "the past", "over the last", "over the past", "in the last", "in the past"); k > 0 {
		j = sp(t, i+k)
	} else {
		return catalog.TimeRange{}, 0
	}
	n, k := integer(t, j)
	halfUnit := false
	if k == 0 {
		if h := litAny(t, j, "半个", "半"); h > 0 && zh {
			halfUnit, k = true, h
		} else if zh {
			n, k = 1, 0 // 近一年 is read by integer; 最近一周 too. "近月" is not a date.
			return catalog.TimeRange{}, 0
		} else {
			return catalog.TimeRange{}, 0
		}
	}
	j += k
	if !zh {
		j = sp(t, j)
	}
	type unit struct {
		words []string
		g     catalog.Grain
	}
	units := []unit{
		{[]string{"天", "日", "days", "day"}, catalog.Day},
		{[]string{"周", "个星期", "星期", "个礼拜", "礼拜", "weeks", "week"}, catalog.Week},
		{[]string{"个月", "月", "months", "month"}, catalog.Month},
		{[]string{"个季度", "季度", "quarters", "quarter"}, catalog.Quarter},
		{[]string{"年", "years", "year"}, catalog.Year},
	}
	for _, u := range units {
		w := litAny(t, j, u.words...)
		if w == 0 {
			continue
		}
		end := j + w
		if zh && lit(t, i, "前") > 0 && u.g != catalog.Day {
			return catalog.TimeRange{}, 0 // 前3个月 reads better as "the first three months"; leave it
		}
		if halfUnit {
			switch u.g {
			case catalog.Month:
				return catalog.TimeRange{Start: d.today.AddDays(-15), End: d.today}, end - i
			case catalog.Year:
				e := catalog.Month.Start(d.today)
				return catalog.TimeRange{Start: e.AddMonths(-6), End: e}, end - i
			}
			return catalog.TimeRange{}, 0
		}
		if n <= 0 || n > 3660 {
			return catalog.TimeRange{}, 0
		}
		switch u.g {
		case catalog.Day:
			return catalog.TimeRange{Start: d.today.AddDays(-n), End: d.today}, end - i
		case catalog.Week:
			return catalog.TimeRange{Start: d.today.AddDays(-7 * n), End: d.today}, end - i
		case catalog.Month:
			e := catalog.Month.Start(d.today)
			return catalog.TimeRange{Start: e.AddMonths(-n), End: e}, end - i
		case catalog.Quarter:
			e := catalog.Quarter.Start(d.today)
			return catalog.TimeRange{Start: e.AddMonths(-3 * n), End: e}, end - i
		case catalog.Year:
			e := catalog.Year.Start(d.today)
			return catalog.TimeRange{Start: e.AddMonths(-12 * n), End: e}, end - i
		}
	}
	return catalog.TimeRange{}, 0
}

// match reads a full date expression at i: an atom, "since" forms (自6月以来, 6月至今, since June)
// and ranges (3月到5月, from March to May, 2024-01-01~2024-03-31).
func (d dates) match(t []rune, i int) (catalog.TimeRange, int, bool) {
	r, n, bare := d.match1(t, i)
	if n > 0 && !bare && (r.Days() == 1 || d.isEvent(t, i)) {
		j := sp(t, i+n)
		if k := litAny(t, j, sameDay...); k > 0 {
			n = j + k - i
		}
	}
	return r, n, bare
}

// isEvent reports whether a catalog event is named at i.
func (d dates) isEvent(t []rune, i int) bool {
	_, n := d.event(t, i)
	return n > 0
}

// match1 is match without the "that day" suffix.
func (d dates) match1(t []rune, i int) (catalog.TimeRange, int, bool) {
	if r, n := d.event(t, i); n > 0 {
		return r, n, false
	}
	if r := t[i]; isHan(r) && !dateHan[r] || isLatin(r) && !wordStart(t, i) {
		return catalog.TimeRange{}, 0, false
	}
	// since X
	if k := litAny(t, i, "自从", "自", "从", "since", "starting", "starting from", "from"); k > 0 {
		j := sp(t, i+k)
		if r, n, _ := d.atom(t, j); n > 0 {
			e := j + n
			e2 := sp(t, e)
			if s := litAny(t, e2, "到", "至", "~", "-", "to", "through", "until", "till", "thru"); s > 0 && lit(t, e2, "至今") == 0 && lit(t, e2, "到现在") == 0 && lit(t, e2, "到今天") == 0 {
				if r2, n2, _ := d.atom(t, sp(t, e2+s)); n2 > 0 && r.Start.Before(r2.End) {
					return catalog.TimeRange{Start: r.Start, End: r2.End}, sp(t, e2+s) + n2 - i, false
				}
			}
			suffix := litAny(t, e, "以来", "至今", "到现在", "到今天", "起", "开始", "以后", "之后")
			since := string(t[i:i+k]) != "from" && string(t[i:i+k]) != "从" || suffix > 0
			if since && r.Start.Before(d.tomorrow()) {
				return catalog.TimeRange{Start: r.Start, End: d.tomorrow()}, e + suffix - i, false
			}
		}
	}
	r, n, bare := d.atom(t, i)
	if n == 0 {
		return r, 0, false
	}
	e := i + n
	if s := litAny(t, e, "以来", "至今", "到现在", "到今天", "以后"); s > 0 && r.Start.Before(d.tomorrow()) {
		return catalog.TimeRange{Start: r.Start, End: d.tomorrow()}, e + s - i, false
	}
	e2 := sp(t, e)
	if s := litAny(t, e2, "到", "至", "~", "-", "to", "through", "until", "thru"); s > 0 {
		if r2, n2, _ := d.atom(t, sp(t, e2+s)); n2 > 0 && r.Start.Before(r2.End) {
			return catalog.TimeRange{Start: r.Start, End: r2.End}, sp(t, e2+s) + n2 - i, false
		}
	}
	return r, n, bare
}

// prevWordIn reports whether the word before position i is one of ws.
func prevWordIn(t []rune, i int, ws ...string) bool {
	e := i
	for e > 0 && t[e-1] == ' ' {
		e--
	}
	b := e
	for b > 0 && isLatin(t[b-1]) {
		b--
	}
	w := string(t[b:e])
	for _, x := range ws {
		if w == x {
			return true
		}
	}
	return false
}

// dateHan holds the CJK characters a date expression can start with.
var dateHan = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "最近过前自从第上下去今本这当昨" {
		m[r] = true
	}
	for r := range cnDigits {
		m[r] = true
	}
	for r := range cnUnits {
		m[r] = true
	}
	return m
}()
