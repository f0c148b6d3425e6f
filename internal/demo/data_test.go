package demo

import (
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Checks of the full-size warehouse that hold row by row, in hand-written SQL.

func TestIntegrity(t *testing.T) {
	db := fullDB(t)
	end := "'" + endMinus(0) + "'"
	// Each query scans a table once and counts the rows violating each named check.
	groups := []struct {
		from   string
		checks [][2]string // name, condition
	}{
		{`orders o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN channels c ON c.channel_id = o.channel_id
		  LEFT JOIN customers cu ON cu.customer_id = o.customer_id`, [][2]string{
			{"order without store", "s.store_id IS NULL"},
			{"order without channel", "c.channel_id IS NULL"},
			{"order without customer", "cu.customer_id IS NULL"},
			{"order after the end date", "o.order_date > " + end},
			{"status other than paid or cancelled", "o.status NOT IN ('paid', 'cancelled')"},
			{"customer_type other than 新客 or 老客", "o.customer_type NOT IN ('新客', '老客')"},
			{"shipping fee in store", "c.channel_type = '线下' AND o.shipping_fee <> 0"},
			{"shipping fee out of 0-10 yuan", "o.shipping_fee < 0 OR o.shipping_fee > 10"},
		}},
		{`order_lines l LEFT JOIN orders o ON o.order_id = l.order_id LEFT JOIN products p ON p.product_id = l.product_id`, [][2]string{
			{"line without order", "o.order_id IS NULL"},
			{"line without product", "p.product_id IS NULL"},
			{"line amount not in (0, quantity x unit price]", "l.amount > l.quantity * l.unit_price + 0.001 OR l.amount <= 0"},
			{"line unit price other than the product's", "abs(l.unit_price - p.unit_price) > 0.001"},
			{"cost amount other than quantity x unit cost", "abs(l.cost_amount - l.quantity * p.unit_cost) > 0.001"},
			{"money not in whole cents", "abs(l.amount * 100 - round(l.amount * 100)) > 0.0001"},
		}},
		{`refunds r LEFT JOIN order_lines l ON l.line_id = r.line_id LEFT JOIN orders o ON o.order_id = r.order_id`, [][2]string{
			{"refund without line", "l.line_id IS NULL"},
			{"refund without order", "o.order_id IS NULL"},
			{"refund whose order or product differs from its line", "l.order_id <> r.order_id OR l.product_id <> r.product_id"},
			{"refund after the end date", "r.refund_date > " + end},
			{"refund not 0-10 days after its order", "julianday(r.refund_date) - julianday(o.order_date) NOT BETWEEN 0 AND 10"},
			{"refund of a cancelled order", "o.status <> 'paid'"},
			{"refund not positive", "r.amount <= 0"},
		}},
		{`(SELECT line_id, SUM(amount) AS amount FROM refunds GROUP BY line_id) r JOIN order_lines l ON l.line_id = r.line_id`, [][2]string{
			{"refunds above the line amount", "r.amount > l.amount + 0.001"},
		}},
		{`orders o LEFT JOIN (SELECT order_id, COUNT(*) AS n FROM order_lines GROUP BY order_id) l ON l.order_id = o.order_id`, [][2]string{
			{"order without lines", "l.n IS NULL"},
			{"order with more than 4 lines", "l.n > 4"},
		}},
		{`customers c LEFT JOIN (SELECT customer_id, MIN(order_date) AS first, SUM(customer_type = '新客') AS news
		  FROM orders GROUP BY customer_id) f ON f.customer_id = c.customer_id`, [][2]string{
			{"customer without orders", "f.customer_id IS NULL"},
			{"signup after the first order", "c.signup_date > f.first"},
			{"customer without exactly one 新客 order", "f.news <> 1"},
		}},
		{`(SELECT customer_type, status, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_date, order_id) AS n FROM orders)`, [][2]string{
			{"customer_type not 新客 exactly on the first order", "(n = 1) <> (customer_type = '新客')"},
			{"first order cancelled", "n = 1 AND status <> 'paid'"},
		}},
		{`store_traffic t LEFT JOIN stores s ON s.store_id = t.store_id LEFT JOIN channels c ON c.channel_id = t.channel_id`, [][2]string{
			{"traffic without store", "s.store_id IS NULL"},
			{"traffic without channel", "c.channel_id IS NULL"},
			{"traffic before the store opened", "t.traffic_date < s.opened_date"},
			{"negative visitors", "t.visitors < 0"},
		}},
		{`(SELECT order_date, store_id, channel_id, COUNT(*) AS n FROM orders GROUP BY order_date, store_id, channel_id) o
		  LEFT JOIN store_traffic t ON t.traffic_date = o.order_date AND t.store_id = o.store_id AND t.channel_id = o.channel_id`, [][2]string{
			{"orders without traffic or above visitors", "t.visitors IS NULL OR o.n > t.visitors"},
		}},
		{`products p LEFT JOIN categories c ON c.category_id = p.category_id`, [][2]string{
			{"product without category", "c.category_id IS NULL"},
		}},
	}
	for _, g := range groups {
		var exprs []string
		for _, c := range g.checks {
			exprs = append(exprs, "COALESCE(SUM(CASE WHEN "+c[1]+" THEN 1 ELSE 0 END), 0)")
		}
		q := "SELECT COUNT(*), " + strings.Join(exprs, ", ") + " FROM " + g.from
		got := make([]int64, len(g.checks)+1)
		ptrs := make([]any, len(got))
		for i := range got {
			ptrs[i] = &got[i]
		}
		if err := db.QueryRow(q).Scan(ptrs...); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		if got[0] == 0 {
			t.Errorf("%s: got no rows, want some", g.from)
		}
		for i, c := range g.checks {
			if got[i+1] != 0 {
				t.Errorf("%s: got %d rows, want 0", c[0], got[i+1])
			}
		}
	}
}

func TestVolumes(t *testing.T) {
	db := fullDB(t)
	got := map[string]float64{}
	queries := []struct {
		q     string
		names []string
	}{
		{`SELECT COUNT(*), COUNT(DISTINCT o.order_date), julianday('` + endMinus(0) + `') - julianday(MIN(o.order_date)),
			AVG(o.status = 'cancelled'), AVG(o.customer_type = '新客'),
			1.0 * SUM(c.channel_type = '线上' AND o.shipping_fee > 0) / SUM(c.channel_type = '线上')
		  FROM orders o JOIN channels c ON c.channel_id = o.channel_id`,
			[]string{"orders", "days", "days before the end of the first order", "cancelled share", "new customer share",
				"share of online orders paying shipping"}},
		{`SELECT COUNT(*) FROM stores`, []string{"stores"}},
		{`SELECT 1.0 * (SELECT COUNT(*) FROM order_lines) / (SELECT COUNT(*) FROM orders)`, []string{"lines per order"}},
		{`SELECT (SELECT SUM(amount) FROM refunds) / SUM(l.amount), 1 - SUM(l.cost_amount) / SUM(l.amount)
		  FROM order_lines l JOIN orders o ON o.order_id = l.order_id WHERE o.status = 'paid'`,
			[]string{"refund rate", "gross margin"}},
		{`SELECT (SELECT AVG(p.unit_price) FROM products p JOIN categories c USING (category_id) WHERE c.category_name = '家电') /
			(SELECT AVG(p.unit_price) FROM products p JOIN categories c USING (category_id) WHERE c.category_name = '食品')`,
			[]string{"家电 over 食品 average price"}},
		// Conversion of every channel on every day, all stores together.
		{`SELECT MIN(1.0 * o.n / t.v), MAX(1.0 * o.n / t.v) FROM
			(SELECT order_date, channel_id, COUNT(*) AS n FROM orders WHERE status = 'paid' GROUP BY order_date, channel_id) o JOIN
			(SELECT traffic_date, channel_id, SUM(visitors) AS v FROM store_traffic GROUP BY traffic_date, channel_id) t
			ON t.traffic_date = o.order_date AND t.channel_id = o.channel_id`,
			[]string{"lowest daily channel conversion", "highest daily channel conversion"}},
	}
	for _, q := range queries {
		vals := make([]float64, len(q.names))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := db.QueryRow(q.q).Scan(ptrs...); err != nil {
			t.Fatalf("query %q: %v", q.q, err)
		}
		for i, n := range q.names {
			got[n] = vals[i]
		}
	}
	ranges := []struct {
		name   string
		lo, hi float64
	}{
		{"orders", 250_000, 400_000},
		{"days", 730, 730},
		{"days before the end of the first order", 729, 729},
		{"stores", 35, 45},
		{"lines per order", 1.5, 2.5},
		{"cancelled share", 0.02, 0.04},
		{"new customer share", 0.15, 0.35},
		{"share of online orders paying shipping", 0.05, 0.8},
		{"refund rate", 0.02, 0.04},
		{"gross margin", 0.15, 0.45},
		{"家电 over 食品 average price", 10, 100},
		{"lowest daily channel conversion", 0.02, 0.30},
		{"highest daily channel conversion", 0.02, 0.30},
	}
	for _, r := range ranges {
		v := got[r.name]
		t.Logf("%s: %.4g", r.name, v)
		if v < r.lo || v > r.hi {
			t.Errorf("%s: got %g, want %g..%g", r.name, v, r.lo, r.hi)
		}
	}
	// Refund rates differ by category: 服装 is returned most, 食品 least.
	rates := map[string]float64{}
	rows, err := db.Query(`SELECT c.category_name, r.amount / g.amount FROM categories c
		JOIN (SELECT p.category_id, SUM(r.amount) AS amount FROM refunds r JOIN products p USING (product_id) GROUP BY p.category_id) r USING (category_id)
		JOIN (SELECT p.category_id, SUM(l.amount) AS amount FROM order_lines l JOIN orders o USING (order_id) JOIN products p USING (product_id)
		      WHERE o.status = 'paid' GROUP BY p.category_id) g USING (category_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var rate float64
		if err := rows.Scan(&name, &rate); err != nil {
			t.Fatal(err)
		}
		rates[name] = rate
	}
	for name, rate := range rates {
		if name != "服装" && rate >= rates["服装"] || name != "食品" && rate <= rates["食品"] {
			t.Errorf("refund rate of %s: got %.3f, want between 食品 (%.3f) and 服装 (%.3f)", name, rate, rates["食品"], rates["服装"])
		}
	}
}

// TestReferenceData checks the chain's fixed tables on the small warehouse: they do not depend
// on the scale.
func TestReferenceData(t *testing.T) {
	db := smallDB(t)
	strs := func(q string) []string {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	regionsGot := strs(`SELECT DISTINCT region FROM stores`)
	slices.Sort(regionsGot)
	regionsWant := slices.Clone(regions)
	slices.Sort(regionsWant)
	if diff := cmp.Diff(regionsWant, regionsGot); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"门店/线下", "小程序/线上", "天猫/线上", "京东/线上", "抖音/线上"},
		strs(`SELECT channel_name || '/' || channel_type FROM channels ORDER BY channel_id`)); diff != "" {
		t.Errorf("channels (-want +got):\n%s", diff)
	}
	cats := strs(`SELECT category_name FROM categories`)
	if len(cats) < 6 || len(cats) > 8 {
		t.Errorf("categories: got %d, want 6..8", len(cats))
	}
	for _, c := range []string{"家电", "食品", "服装", "美妆", "家居", "数码"} {
		if !slices.Contains(cats, c) {
			t.Errorf("categories: got %v, want %s among them", cats, c)
		}
	}
	counts := []struct {
		name   string
		q      string
		lo, hi int64
	}{
		{"fewest provinces in a region", `SELECT MIN(n) FROM (SELECT COUNT(DISTINCT province) AS n FROM stores GROUP BY region)`, 2, 4},
		{"most provinces in a region", `SELECT MAX(n) FROM (SELECT COUNT(DISTINCT province) AS n FROM stores GROUP BY region)`, 2, 4},
		{"fewest cities in a province", `SELECT MIN(n) FROM (SELECT COUNT(DISTINCT city) AS n FROM stores GROUP BY province)`, 1, 3},
		{"most cities in a province", `SELECT MAX(n) FROM (SELECT COUNT(DISTINCT city) AS n FROM stores GROUP BY province)`, 1, 3},
		{"provinces in two regions", `SELECT COUNT(*) FROM (SELECT province FROM stores GROUP BY province HAVING COUNT(DISTINCT region) > 1)`, 0, 0},
		{"fewest products in a category", `SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM products GROUP BY category_id)`, 10, 20},
		{"most products in a category", `SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM products GROUP BY category_id)`, 10, 20},
		{"store names not ending in 店", `SELECT COUNT(*) FROM stores WHERE store_name NOT LIKE '%店'`, 0, 0},
		{"store names not starting with the city", `SELECT COUNT(*) FROM stores WHERE substr(store_name, 1, length(city)) <> city`, 0, 0},
		{"products costing more than their price", `SELECT COUNT(*) FROM products WHERE unit_cost >= unit_price OR unit_cost <= 0`, 0, 0},
	}
	for _, c := range counts {
		if got := queryInt(t, db, c.q); got < c.lo || got > c.hi {
			t.Errorf("%s: got %d, want %d..%d", c.name, got, c.lo, c.hi)
		}
	}
}

// TestStoreSelection checks that Options.Stores keeps every region from 7 stores up.
func TestStoreSelection(t *testing.T) {
	for _, n := range []int{1, 7, 10, 20, len(storeDefs)} {
		got := selectStores(n)
		if len(got) != n {
			t.Errorf("selectStores(%d): got %d stores, want %d", n, len(got), n)
		}
		seen := map[string]bool{}
		for _, s := range got {
			seen[s.region] = true
		}
		if want := min(n, len(regions)); len(seen) != want {
			t.Errorf("selectStores(%d): got %d regions, want %d", n, len(seen), want)
		}
	}
}

// dump returns a canonical text of every demo table, ordered by primary key.
func dump(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var out []string
	for _, tb := range schema {
		rows, err := db.Query("SELECT * FROM " + tb.name + " ORDER BY " + joinCols(tb.pk))
		if err != nil {
			t.Fatalf("dump %s: %v", tb.name, err)
		}
		vals := make([]any, len(tb.columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, tb.name+fmtRow(vals))
		}
		rows.Close()
	}
	return out
}
