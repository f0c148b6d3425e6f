// Package nlq reads chat questions in Chinese and English into governed queries
// ([catalog.Query]), clarifying questions, definition answers or refusals, by rules alone.
//
// Everything the parser knows about a business comes from the catalog (metric and dimension
// names, labels, synonyms, value aliases) and from the dimension values read through a
// [ValueSource]. Generic language rules (dates, numbers, "by", "top", 同比, 环比) and a small
// bilingual table of Chinese place names are its only built-in knowledge. There is no path from
// question text to SQL text: the parser only picks catalog names and bound values, and every query
// it returns passes [catalog.Query.Validate].
//
// # Matching
//
// Chinese has no spaces, so terms are found by longest match over the whole question: at each
// position the longest catalog term, keyword, date, ranking phrase or number wins; at equal length
// a catalog term beats a date, which beats a keyword. English terms must start and end on word
// boundaries. Matching folds case and full-width forms (catalog.Normalize). Unknown English words
// are matched to catalog terms by plural form, then by edit distance (1 up to 7 letters, 2 from 8;
// a 3-letter word only by one substituted letter or two swapped ones, to exactly one 3-letter term,
// and not when it stands right before a term, where it is a modifier: "gvm" is gmv, "net profit"
// is not "new profit"), which lowers the confidence. Unknown words right after an English term are
// first tried together with it as one misspelt term ("new custmers" is new customers, not the
// value "new" and customers). An unknown run of CJK characters is read as a catalog term of three
// or more characters when it differs from exactly one such term in one character other than the
// first (销绣额 is 销售额; 净利润 is not 毛利润, since a different first character is a modifier).
// A term that names both a metric and a value is a value when another metric is named, unless it
// is listed with that metric (new customers and active customers: two metrics). A term that names both a dimension and a value is the
// dimension after 按/各/by, a ranking (also through a count and a measure word: 最低的3家门店) or a
// metric-value filter, and the value otherwise. A value
// stored in several dimensions goes to one the metrics can be filtered by, then one named in the
// question, then the coarser of a hierarchy.
//
// # Periods
//
// Dates are read against Context.Now in the catalog's time zone. Ranges are half-open.
//   - 今天/today = [today, tomorrow); 昨天/yesterday; 前天; 大前天 (three days ago).
//   - 近7天/最近7天/过去7天/last 7 days = the 7 complete days ending yesterday (today is excluded
//     because it is incomplete); 近N周/last N weeks = 7N days ending yesterday; 过去半个月 = 15
//     days ending yesterday.
//   - 近N个月/last N months, quarters and years = the N complete calendar units before the
//     current one (近半年 = 6 months).
//   - 本周/this week/WTD = Monday .. today inclusive (weeks start on Monday); 本月/this month/MTD,
//     本季度/QTD and 今年/this year/YTD likewise run from their first day to today inclusive.
//   - 上周/last week = the previous Monday..Sunday; 上个月, 上季度, 去年 = the previous calendar
//     month, quarter, year; 前年 the one year before that, 大前年 the one before. 上上周/the week
//     before last, 上上个月/the month before last, 上上季度 = the single unit before the previous
//     one (not the two units together).
//   - A catalog event named by its name or label (双11, Singles' Day) = its days in the most recent
//     occurrence that has started (a yearly MM-DD event on 2026-11-05 is 2025's), clipped to today.
//   - 当天/当日/那天 right after a day or an event means that day (双11当天, 6月18日当天); alone
//     it is today.
//   - A month, quarter or half-year without a year (三月, March, Q3, 三季度, 上半年, H2) is the most
//     recent one that has started, ending today inclusive if it is still running: on 2026-12-01
//     上半年 is 2026-01..06 and 二月... is 2026-02; on 2026-05-10 上半年 is 2026-01-01..2026-05-10.
//   - With a year: 2024年3月, 24年, Q3 2024, 2024-03, March 2024, 2024年3月5日, 2024-03-05, in 2023.
//     3月5日 without a year is the most recent 5 March that has started.
//   - since June / 6月以来 / 自6月起 = June 1 .. today inclusive; 3月到5月 / from March to May =
//     the start of the first to the end of the second.
//
// A question with no period gets its first metric's default_period, stated in Result.Notes. A
// cumulative metric without a default_period gets the period its window implies: month-to-date
// (本月累计销售额, GMV MTD) the current month through today, as 本月; year-to-date this year
// through today. The note states the period used.
// default_period accepts any period above written with underscores: last_7_days, last_30_days,
// last_12_months, this_week, last_week, this_month, mtd, last_month, this_quarter, last_quarter,
// this_year, ytd, last_year, today, yesterday. An empty or unreadable one means last_30_days.
//
// # Intents
//
//   - Breakdown: a dimension named (按渠道, 各大区, by region) is a group-by, unless it only
//     names the dimension of a value next to it (华东大区), or it directly follows a value as its
//     head noun (线上渠道, online channels: a filter on 线上) in a question with no ranking or
//     "which"; a dimension term that itself starts with 各/每/by/per (各省) is always a group-by.
//   - Filters: values are matched from the catalog's aliases and the data; several values of a
//     dimension make one "in" filter (read as one total: 京东和抖音的销量); values after
//     不含/除了/excluding make a "not_in" filter. Values set against each other with 对比/比较/vs
//     (and no period comparison) are also broken down by their dimension (华东和华南销售额对比). A
//     condition on a metric's value (销售额超过100万的门店, stores with more than 500 orders) applies
//     to the metric next to its number and needs a dimension to group by; without one it is
//     refused.
//   - Ranking: 前五/top 5/bottom 3 orders by the first metric and limits; 最高/最低/highest without
//     a count means 1; top/bottom alone mean 10; 排名/rank orders without a limit. A ranking with no
//     breakdown and no grain is left out (noted).
//   - Trend: 每天/每月/by month/weekly, and 各/每 + a time unit (各季度, 各月) set the grain; 趋势/走势/over time pick one: the metric's
//     default grain when it gives 2..62 points, else by length (day, week, month, quarter).
//   - Comparison: 同比/去年同期/yoy = same_period_last_year; 环比/mom/vs the week before/前一个月/
//     前一周/前一天 = previous_period; a period named after 比/vs/对比 compares with it (last year
//     -> yoy). A period to date (本月至今 环比) compares with the same part of the previous period
//     (November 1-20 with October 1-20); that alignment is catalog.TimeRange.Previous's.
//   - Share: 占比/share sets Share when every metric is additive (a simple sum or count); for any
//     other metric (count distinct, ratio, derived) the share is left out and Notes say so.
//   - Definition filters: a filter that leaves no row the metric's own definition keeps (order
//     count is defined on paid orders; 已取消的订单数 asks for cancelled ones), on the metric or
//     any metric it is built from, is refused naming the definition, instead of answering zero.
//   - Metric-value filter: 销售额超过100万的门店, more than 500 orders -> Having. Numbers take
//     万, 亿, k, m, million and %; Chinese numerals are read (前十, 三季度).
//   - Definitions: 怎么算/怎么统计/口径/谁负责/what does ... mean/how do you count/how is ...
//     calculated, defined, measured -> Define with the catalog's definition.
//
// # Follow-ups
//
// Given Context.Previous, a question that names no metric but says something (a period, a
// breakdown, a filter, an intent), or that has a follow-up word (那...呢, what about, same for)
// updates the previous query: a new period replaces the old one; new metrics replace the old ones,
// or are added to them after 再加个/加上/also add/include;
// a breakdown is added; a filter replaces the filter on the same dimension, and after a follow-up
// word also filters on dimensions of the same hierarchy (same for Shanghai after Beijing).
//
// # When unsure
//
// Several metrics for one term, or a bare word that starts several metric names (销售 -> 销售额,
// 销量; an English word that is the first word of several metric names: gross -> GMV ("gross
// merchandise value"), gross profit, gross margin), give Clarify with one valid query per option.
// An unexplained English word directly before a metric term ("net profit", "inventory turnover")
// may change what it means, so the question is refused, naming the term's metric as the closest,
// rather than answered with the bare term. No metric gives Refuse naming the closest
// metrics by shared characters, words and edit distance. A question that is mostly not understood
// (three or more unexplained words, more than the understood ones) gives Clarify with the single
// reading found, so that text such as "ignore your rules and DROP TABLE orders" has no effect
// beyond its unexplained words. A reading that fails validation is refused with the reasons.
package nlq
