package nlq

import (
	"slices"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// kwKind is the role of a generic keyword.
type kwKind uint8

const (
	kwStop     kwKind = iota + 1 // carries no meaning here (的, the, show me)
	kwBy                         // breakdown marker (按, 各, by, per)
	kwGrain                      // time grain (每天, monthly, by week)
	kwTrend                      // trend without a grain (趋势, over time)
	kwWhich                      // which one (哪个, which); with a grain for 哪天
	kwTop                        // superlative or ranking (最高, lowest, 排名)
	kwCompare                    // comparison (同比, 环比, month over month)
	kwVs                         // comparison with a period named next to it (比, vs)
	kwShare                      // share of total (占比, share)
	kwNot                        // exclusion (不含, excluding)
	kwOnly                       // restriction (只看, only)
	kwFollow                     // follow-up marker (那...呢, what about, same for)
	kwAnd                        // list joiner (和, and, 、)
	kwCmp                        // comparison with a number before it (超过, more than)
	kwCmpAfter                   // comparison with a number after it (以上, or more)
	kwDefine                     // question about a definition (怎么算, what does ... mean)
	kwAdd                        // adds metrics to the previous question's (再加个, also add)
)

// keyword is the meaning of a generic word or phrase. Keywords are the parser's only built-in
// language knowledge; everything about a business comes from the catalog and the data.
type keyword struct {
	kind    kwKind
	grain   catalog.Grain
	compare catalog.Comparison
	cmp     catalog.CmpOp
	desc    bool
	n       int  // default count for kwTop; -1 for a ranking with no limit
	strong  bool // for kwDefine: a definition question whatever else is asked
}

var keywords = map[string]*keyword{}

func kw(k *keyword, words ...string) {
	for _, w := range words {
		keywords[w] = k
	}
}

func init() {
	kw(&keyword{kind: kwStop},
		"的", "了", "吗", "啊", "吧", "呀", "是", "是多少", "多少", "有", "有多少", "几", "个", "一下", "下", "请",
		"请问", "帮我", "帮忙", "给我", "看看", "看下", "看一下", "查", "查下", "查一下", "查询", "显示", "统计",
		"一共", "总共", "总计", "合计", "总", "情况", "数据", "怎么样", "咋样", "什么", "我", "我们", "你",
		"在", "里", "中", "都", "分别", "各自", "大概", "目前", "现在", "当前", "共", "啥", "能", "可以", "告诉",
		"说说", "列出", "怎样", "嗯", "哦", "整体", "全部", "所有", "总体", "的话", "一些", "值", "数值", "结果",
		"表现", "时候", "期间", "内", "里面", "一", "为", "如何", "多大", "是否", "哪里", "计", "拆一下", "一共有",
		"what", "what's", "whats", "is", "was", "were", "are", "the", "a", "an", "of", "for", "in", "on", "at",
		"me", "show", "give", "tell", "how", "much", "many", "did", "do", "we", "our", "us", "i", "my",
		"please", "get", "list", "total", "value", "to", "with", "from", "been", "be", "have", "has", "had",
		"can", "could", "you", "it", "its", "there", "that", "all", "overall", "or", "so", "far", "data",
		"numbers", "number", "report", "see", "look", "check", "let", "lets", "let's", "like", "during",
		"within", "between", "up", "kpi", "metric", "metrics", "values", "would", "will", "should", "now",
		"currently", "current", "figure", "figures", "stats", "performance", "did we", "sum", "during the",
		"going", "go", "doing", "break", "down", "out", "split", "?", "!", ".", ":", ";", "'s", "s")
	kw(&keyword{kind: kwBy}, "按", "按照", "各", "各个", "分", "每个", "每一个", "每家", "by", "per", "each",
		"拆", "拆分", "拆开", "细分", "分组", "分布", "维度", "breakdown", "break down", "broken down", "split by",
		"grouped by", "group by", "broken out by", "across", "for each", "by each")
	grain := func(g catalog.Grain, words ...string) { kw(&keyword{kind: kwGrain, grain: g}, words...) }
	grain(catalog.Day, "每天", "每日", "按天", "按日", "分天", "逐日", "日度", "每一天", "daily", "by day", "per day", "each day", "day by day", "by date")
	grain(catalog.Week, "每周", "按周", "分周", "逐周", "周度", "每星期", "weekly", "by week", "per week", "each week", "week by week")
	grain(catalog.Month, "每月", "按月", "分月", "逐月", "月度", "每个月", "按月份", "monthly", "by month", "per month", "each month", "month by month")
	grain(catalog.Day, "各天", "各日", "各个日期")
	grain(catalog.Week, "各周", "各个周", "各星期")
	grain(catalog.Month, "各月", "各个月", "各月份", "各个月份")
	grain(catalog.Quarter, "各季度", "各个季度", "各季")
	grain(catalog.Year, "各年", "各年度", "各个年度", "历年")
	grain(catalog.Quarter, "每季度", "按季度", "分季度", "逐季", "每个季度", "quarterly", "by quarter", "per quarter", "each quarter")
	grain(catalog.Year, "每年", "按年", "分年", "逐年", "年度", "yearly", "annually", "annual", "by year", "per year", "each year")
	kw(&keyword{kind: kwTrend}, "趋势", "走势", "变化", "变化趋势", "曲线", "波动", "trend", "trends", "over time", "trending", "timeline", "time series")
	which := func(g catalog.Grain, words ...string) { kw(&keyword{kind: kwWhich, grain: g}, words...) }
	which(catalog.Day, "哪天", "哪一天", "哪几天", "哪些天", "哪日", "which day", "which days", "what day", "which date")
	which(catalog.Week, "哪周", "哪一周", "哪几周", "which week", "which weeks")
	which(catalog.Month, "哪个月", "哪月", "哪几个月", "哪一个月", "which month", "which months", "what month")
	which("", "哪个", "哪家", "哪些", "哪一个", "哪位", "谁家", "which", "which one", "who")
	kw(&keyword{kind: kwTop, desc: true, n: 1}, "最高", "最多", "最大", "最好", "最强", "最火", "最畅销", "第一",
		"highest", "most", "largest", "biggest", "best", "greatest", "top performing", "leading")
	kw(&keyword{kind: kwTop, desc: false, n: 1}, "最低", "最少", "最小", "最差", "最弱", "垫底", "lowest", "least",
		"smallest", "worst", "weakest", "fewest")
	kw(&keyword{kind: kwTop, desc: true, n: -1}, "排名", "排行", "排序", "排行榜", "从高到低", "rank", "ranking", "ranked", "sorted", "sort", "order by", "descending")
	kw(&keyword{kind: kwTop, desc: false, n: -1}, "从低到高", "ascending", "升序")
	kw(&keyword{kind: kwTop, desc: true, n: 10}, "top")
	kw(&keyword{kind: kwTop, desc: false, n: 10}, "bottom")
	yoy := &keyword{kind: kwCompare, compare: catalog.YearOverYear}
	kw(yoy, "同比", "yoy", "去年同期", "比去年同期", "较去年同期", "和去年同期比", "同期", "year over year",
		"year on year", "y/y", "same period last year", "the same period last year", "a year ago",
		"a year earlier", "the year before", "last year's same period", "同比增长", "同比变化")
	prev := &keyword{kind: kwCompare, compare: catalog.PreviousPeriod}
	kw(prev, "环比", "mom", "wow", "dod", "qoq", "month over month", "week over week", "day over day",
		"quarter over quarter", "period over period", "previous period", "prior period", "the previous period",
		"the prior period", "the period before", "the week before", "the month before", "the day before",
		"the quarter before", "the previous week", "the previous month", "the prior week", "the prior month",
		"上期", "前一期", "比上期", "较上期", "上一期", "前一天", "前一日", "前一周", "前一个星期", "前一个月", "前一月",
		"前一个季度", "前一季度", "前一季", "环比增长", "环比变化", "增长", "growth", "change", "changed")
	kw(&keyword{kind: kwVs}, "比", "相比", "对比", "比较", "较", "相较", "比起", "vs", "vs.", "versus",
		"compared to", "compared with", "compare", "compared", "against", "relative to")
	kw(&keyword{kind: kwShare}, "占比", "份额", "比重", "占", "构成", "贡献", "占多少", "贡献占比", "share",
		"share of total", "% of total", "percent of total", "percentage of total", "proportion", "mix", "contribution")
	kw(&keyword{kind: kwNot}, "不含", "不包含", "不包括", "除了", "除", "除去", "排除", "剔除", "去掉", "去除", "不算",
		"不要", "不看", "非", "excluding", "exclude", "excludes", "except", "except for", "without", "other than",
		"not including", "not", "apart from", "ex")
	kw(&keyword{kind: kwOnly}, "只看", "只要", "仅看", "仅", "只", "单看", "就看", "只算", "其中", "only", "just",
		"only for", "just for", "filter to", "limited to", "restricted to", "where")
	kw(&keyword{kind: kwFollow}, "那", "那么", "呢", "那个", "换成", "改成", "换", "再看", "再", "同样", "也",
		"what about", "how about", "and for", "same for", "same but", "now for", "and what about", "then",
		"same thing for", "instead", "again", "same")
	kw(&keyword{kind: kwAnd}, "和", "与", "及", "以及", "跟", "还有", "加上", "并且", "、", ",", "+", "&", "and",
		"as well as", "plus", "/")
	cmp := func(op catalog.CmpOp, words ...string) { kw(&keyword{kind: kwCmp, cmp: op}, words...) }
	cmp(catalog.GT, "超过", "大于", "高于", "多于", "超", "过", ">", "above", "over", "more than", "greater than",
		"exceeds", "exceeding", "exceeded", "higher than", "bigger than", "larger than", "beyond")
	cmp(catalog.GTE, "不低于", "不少于", "至少", "起码", ">=", "at least", "no less than", "not less than")
	cmp(catalog.LT, "低于", "小于", "少于", "不到", "不足", "未达", "<", "below", "under", "less than",
		"fewer than", "lower than", "smaller than")
	cmp(catalog.LTE, "不超过", "不高于", "至多", "最多不超过", "<=", "at most", "no more than", "not more than")
	kw(&keyword{kind: kwCmpAfter, cmp: catalog.GTE}, "以上", "及以上", "或以上", "or more", "and above", "or above", "plus")
	kw(&keyword{kind: kwCmpAfter, cmp: catalog.LTE}, "以下", "及以下", "或以下", "or less", "and below", "or below")
	kw(&keyword{kind: kwDefine, strong: true}, "怎么算", "怎么算的", "是怎么算的", "怎么计算", "如何计算", "怎么定义",
		"如何定义", "计算公式", "公式", "口径", "定义", "什么意思", "啥意思", "是什么意思", "指什么", "含义", "解释",
		"谁负责", "负责人", "谁管", "归谁管", "由谁负责", "计算方式", "计算方法", "算法", "怎么统计", "怎么统计的",
		"是怎么统计的", "如何统计", "统计口径", "怎么算出来的", "统计方法", "统计方式", "怎么来的",
		"how do you count", "how do you measure", "how do you define", "how do we count", "how do we calculate",
		"how do we measure", "how is it calculated", "counted", "measured", "mean", "means", "meaning",
		"definition", "define", "defined", "calculated", "computed", "formula", "who owns", "owner", "owns",
		"who is responsible for", "responsible for", "explain", "how is", "how do you calculate", "calculate")
	kw(&keyword{kind: kwDefine}, "是什么", "是啥", "what is", "what's the")
	kw(&keyword{kind: kwAdd}, "再加", "再加个", "再加上", "再加一个", "加个", "加一个", "也加上", "add",
		"also add", "add in", "also show", "also include", "include")
}

// tokKind is the kind of a lexed token.
type tokKind uint8

const (
	tTerm   tokKind = iota + 1 // catalog term: metric, dimension and/or value
	tDate                      // a period
	tNumber                    // an amount
	tTopN                      // 前五, top 5
	tKw                        // a keyword
	tWord                      // not understood
)

// token is one piece of a lexed question.
type token struct {
	kind       tokKind
	start, end int // rune offsets in the normalised question
	text       string
	entries    []entry // tTerm
	kw         *keyword
	rng        catalog.TimeRange
	bareYear   bool
	num        float64
	scaled     bool
	n          int  // tTopN
	desc       bool // tTopN
	fuzzy      bool // tTerm found through typo tolerance
}

// topN reads 前五, 前10名, top 5, top5, bottom 3, 后三, 倒数3 at i.
func topN(t []rune, i int) (n int, desc bool, length int) {
	type pre struct {
		s    string
		desc bool
	}
	for _, p := range []pre{{"排名前", true}, {"排名后", false}, {"前", true}, {"后", false}, {"倒数", false},
		{"最后", false}, {"top", true}, {"bottom", false}, {"best", true}, {"worst", false}, {"highest", true},
		{"lowest", false}, {"largest", true}, {"biggest", true}, {"smallest", false}, {"first", true}} {
		k := lit(t, i, p.s)
		if k == 0 {
			// "top5": the literal ends inside a word.
			if rs := []rune(p.s); isLatin(rs[0]) && i+len(rs) < len(t) && string(t[i:i+len(rs)]) == p.s && isDigit(t[i+len(rs)]) && wordStart(t, i) {
				k = len(rs)
			} else {
				continue
			}
		}
		j := sp(t, i+k)
		v, vn := integer(t, j)
		if vn == 0 || v <= 0 || v > catalog.MaxLimit {
			continue
		}
		e := j + vn
		if isLatin(t[j]) && !wordEnd(t, e) {
			continue
		}
		e += litAny(t, e, "名", "个", "家", "位", "大", "强", "条", "款")
		return v, p.desc, e - i
	}
	return 0, false, 0
}

// lex splits a normalised question into tokens by longest match among catalog terms, keywords,
// dates, ranking phrases and numbers. At equal length a catalog term wins over a date, a date over
// a ranking, a ranking over a keyword and a keyword over a plain number.
func (p *Parser) lex(tx text, ds dates) []token {
	t := tx.r
	var toks []token
	for i := 0; i < len(t); {
		if t[i] == ' ' {
			i++
			continue
		}
		es, dn := p.dict.longest(tx, i)
		var catalogEs []entry
		var kwd *keyword
		for _, e := range es {
			if e.kind == entKeyword {
				kwd = e.kw
			} else {
				catalogEs = append(catalogEs, e)
			}
		}
		rng, rn, bare := ds.match(t, i)
		var tn, tl int
		var tdesc bool
		if r := t[i]; (!isHan(r) || strings.ContainsRune("排前后倒最", r)) && (!isLatin(r) || wordStart(t, i)) {
			tn, tdesc, tl = topN(t, i)
		}
		var num float64
		var an int
		var scaled bool
		if isDigit(t[i]) || isDigitOrCN(t[i]) {
			num, an, scaled = amount(t, i)
			if isLatin(t[i]) && an > 0 && !wordEnd(t, i+an) && t[i+an-1] != '%' {
				an = 0
			}
			if an > 0 && !scaled && num == float64(int(num)) {
				an += measureWord(t, i+an)
			}
		}
		best := max(dn, rn, tl, an)
		tok := token{start: i}
		switch {
		case best == 0:
			// Not understood: a Latin word, or one CJK rune (merged with its neighbours later).
			j := i + 1
			if isLatin(t[i]) {
				for j < len(t) && isLatin(t[j]) {
					j++
				}
			}
			tok.kind = tWord
			tok.end = j
		case dn == best && len(catalogEs) > 0:
			tok.kind, tok.entries, tok.end = tTerm, catalogEs, i+dn
		case rn == best:
			tok.kind, tok.rng, tok.bareYear, tok.end = tDate, rng, bare, i+rn
		case tl == best:
			tok.kind, tok.n, tok.desc, tok.end = tTopN, tn, tdesc, i+tl
		case dn == best:
			tok.kind, tok.kw, tok.end = tKw, kwd, i+dn
		default:
			tok.kind, tok.num, tok.scaled, tok.end = tNumber, num, scaled, i+an
		}
		tok.text = tx.sub(tok.start, tok.end)
		i = tok.end
		if tok.kind == tWord && !isLatin(t[tok.start]) && !isHan(t[tok.start]) {
			continue // punctuation
		}
		if tok.kind == tWord && isHan(t[tok.start]) && len(toks) > 0 {
			if last := &toks[len(toks)-1]; last.kind == tWord && last.end == tok.start && isHan(t[last.start]) {
				last.end = tok.end
				last.text = tx.sub(last.start, last.end)
				continue
			}
		}
		toks = append(toks, tok)
	}
	return p.fixTypos(toks)
}

// measureWord returns the length of a Chinese measure word at i (3家门店, 5个城市, 10名), which
// makes the number before it a count of the thing named next. 个 before a time unit (3个月) is
// part of a period, not a measure word.
func measureWord(t []rune, i int) int {
	if i >= len(t) {
		return 0
	}
	switch t[i] {
	case '家', '名', '位', '款', '条', '种', '只', '座':
		return 1
	case '个':
		if i+1 < len(t) && strings.ContainsRune("月季星礼小工周", t[i+1]) {
			return 0
		}
		return 1
	}
	return 0
}

// fixTypos replaces runs of unknown Latin words with the catalog terms they nearly spell: first a
// plural or singular form, then the nearest term within the edit distance allowed for its length.
func (p *Parser) fixTypos(toks []token) []token {
	out := toks[:0:0]
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		if tk.kind == tWord && isHan([]rune(tk.text)[0]) {
			out = append(out, p.fixHan(tk)...)
			continue
		}
		if tk.kind != tWord || !isLatin([]rune(tk.text)[0]) {
			out = append(out, tk)
			continue
		}
		matched := false
		// A term right before the unknown words may be the start of a longer term they misspell
		// ("new custmers" is new customers, not the value "new" and customers).
		if k := len(out) - 1; k >= 0 && out[k].kind == tTerm && !out[k].fuzzy && tk.start-out[k].end == 1 && latinTerm(out[k].text) {
			for n := 3; n >= 1 && !matched; n-- {
				words, ok := p.wordRun(toks, i, n)
				if !ok {
					continue
				}
				phrase := out[k].text + " " + joinWords(words)
				if es, _ := p.dict.closest(phrase); len(catalogEntries(es)) > 0 {
					out[k] = token{kind: tTerm, start: out[k].start, end: toks[i+n-1].end, text: phrase, entries: catalogEntries(es), fuzzy: true}
					i += n - 1
					matched = true
				}
			}
		}
		// Try the longest run of unknown words first (up to three).
		for n := 3; n >= 1 && !matched; n-- {
			words, ok := p.wordRun(toks, i, n)
			if !ok {
				continue
			}
			phrase := joinWords(words)
			var es []entry
			for _, form := range singulars(phrase) {
				if got := catalogEntries(p.dict.terms[form]); len(got) > 0 {
					es = got
					break
				}
			}
			if es == nil {
				es = catalogEntries(p.dict.closestEntries(phrase))
			}
			// A short word right before a term modifies it ("net profit") rather than misspells one.
			if es == nil && n == 1 && !(i+1 < len(toks) && toks[i+1].kind == tTerm && toks[i+1].start-tk.end <= 1) {
				es = p.dict.shortTypo(phrase)
			}
			if len(es) > 0 {
				out = append(out, token{kind: tTerm, start: tk.start, end: toks[i+n-1].end, text: phrase, entries: es, fuzzy: true})
				i += n - 1
				matched = true
			}
		}
		if !matched {
			out = append(out, tk)
		}
	}
	return out
}

// wordRun returns the n unknown Latin words starting at toks[i], if they follow one another with
// single spaces.
func (p *Parser) wordRun(toks []token, i, n int) ([]string, bool) {
	if i+n > len(toks) {
		return nil, false
	}
	words := make([]string, 0, n)
	for k := i; k < i+n; k++ {
		if toks[k].kind != tWord || !isLatin([]rune(toks[k].text)[0]) || (k > i && toks[k].start != toks[k-1].end+1) {
			return nil, false
		}
		words = append(words, toks[k].text)
	}
	return words, true
}

// fixHan reads an unknown run of CJK characters as a catalog term of three or more characters
// with one character after the first mistyped (销绣额 -> 销售额), when exactly one term is that
// close. The longest such term wins; the characters around it stay unknown. Runs longer than
// twelve characters are noise, not typos, and are left alone.
func (p *Parser) fixHan(tk token) []token {
	rs := []rune(tk.text)
	if len(rs) < 3 || len(rs) > 12 || len(p.hanFuzzy) == 0 {
		return []token{tk}
	}
	for n := len(rs); n >= 3; n-- {
		for a := 0; a+n <= len(rs); a++ {
			var found []string
			w := slices.Clone(rs[a : a+n])
			// Not the first character: a different first character is a modifier that changes
			// the term (净利润 is not 毛利润), not a typo.
			for k := 1; k < len(w); k++ {
				r := w[k]
				w[k] = '?'
				for _, key := range p.hanFuzzy[string(w)] {
					if !slices.Contains(found, key) {
						found = append(found, key)
					}
				}
				w[k] = r
			}
			if len(found) != 1 {
				continue
			}
			var out []token
			if a > 0 {
				out = append(out, token{kind: tWord, start: tk.start, end: tk.start + a, text: string(rs[:a])})
			}
			out = append(out, token{kind: tTerm, start: tk.start + a, end: tk.start + a + n, text: found[0],
				entries: catalogEntries(p.dict.terms[found[0]]), fuzzy: true})
			if a+n < len(rs) {
				out = append(out, token{kind: tWord, start: tk.start + a + n, end: tk.end, text: string(rs[a+n:])})
			}
			return out
		}
	}
	return []token{tk}
}

// addHanFuzzy indexes a CJK catalog term of three or more characters under each of its forms with
// one character blanked, for fixHan.
func (p *Parser) addHanFuzzy(term string) {
	rs := []rune(catalog.Normalize(term))
	if len(rs) < 3 {
		return
	}
	for _, r := range rs {
		if !isHan(r) {
			return
		}
	}
	key := string(rs)
	for k := range rs {
		w := slices.Clone(rs)
		w[k] = '?'
		if l := p.hanFuzzy[string(w)]; !slices.Contains(l, key) {
			p.hanFuzzy[string(w)] = append(l, key)
		}
	}
}

func (d *dict) closestEntries(s string) []entry {
	es, _ := d.closest(s)
	return es
}

func catalogEntries(es []entry) []entry {
	var out []entry
	for _, e := range es {
		if e.kind != entKeyword {
			out = append(out, e)
		}
	}
	return out
}

func joinWords(ws []string) string {
	s := ws[0]
	for _, w := range ws[1:] {
		s += " " + w
	}
	return s
}

// singulars returns other number forms of an English phrase: stores -> store, categories ->
// category, boxes -> box, and the plural of a singular.
func singulars(s string) []string {
	var out []string
	n := len(s)
	if n > 4 && s[n-3:] == "ies" {
		out = append(out, s[:n-3]+"y")
	}
	if n > 3 && s[n-2:] == "es" {
		out = append(out, s[:n-2])
	}
	if n > 3 && s[n-1] == 's' {
		out = append(out, s[:n-1])
	} else {
		out = append(out, s+"s")
	}
	return out
}
