package demo

import (
	"database/sql"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Checks of the full-size warehouse that hold row by row, in hand-written SQL.

func TestIntegrity(t *testing.T) {
	db := fullDB(t)
	end := endMinus(0)
	// Every query counts violations.
	checks := []struct {
		name string
		q    string
	}{
		{"product without category", `SELECT COUNT(*) FROM products p LEFT JOIN categories c ON c.category_id = p.category_id WHERE c.category_id IS NULL`},
		{"order without store", `SELECT COUNT(*) FROM orders o LEFT JOIN stores s ON s.store_id = o.store_id WHERE s.store_id IS NULL`},
		{"order without channel", `SELECT COUNT(*) FROM orders o LEFT JOIN channels c ON c.channel_id = o.channel_id WHERE c.channel_id IS NULL`},
		{"order without customer", `SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id WHERE c.customer_id IS NULL`},
		{"line without order", `SELECT COUNT(*) FROM order_lines l LEFT JOIN orders o ON o.order_id = l.order_id WHERE o.order_id IS NULL`},
		{"line without product", `SELECT COUNT(*) FROM order_lines l LEFT JOIN products p ON p.product_id = l.product_id WHERE p.product_id IS NULL`},
		{"refund without line", `SELECT COUNT(*) FROM refunds r LEFT JOIN order_lines l ON l.line_id = r.line_id WHERE l.line_id IS NULL`},
		{"refund whose order or product differs from its line", `SELECT COUNT(*) FROM refunds r JOIN order_lines l ON l.line_id = r.line_id
			WHERE l.order_id <> r.order_id OR l.product_id <> r.product_id`},
		{"traffic without store", `SELECT COUNT(*) FROM store_traffic t LEFT JOIN stores s ON s.store_id = t.store_id WHERE s.store_id IS NULL`},
		{"traffic without channel", `SELECT COUNT(*) FROM store_traffic t LEFT JOIN channels c ON c.channel_id = t.channel_id WHERE c.channel_id IS NULL`},
		{"order without lines", `SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id)`},
		{"order with more than 4 lines", `SELECT COUNT(*) FROM (SELECT order_id FROM order_lines GROUP BY order_id HAVING COUNT(*) > 4)`},
		{"refund after the end date", `SELECT COUNT(*) FROM refunds WHERE refund_date > '` + end + `'`},
		{"order after the end date", `SELECT COUNT(*) FROM orders WHERE order_date > '` + end + `'`},
		{"refund not 0-10 days after its order", `SELECT COUNT(*) FROM refunds r JOIN orders o ON o.order_id = r.order_id
			WHERE julianday(r.refund_date) - julianday(o.order_date) NOT BETWEEN 0 AND 10`},
		{"refund of a cancelled order", `SELECT COUNT(*) FROM refunds r JOIN orders o ON o.order_id = r.order_id WHERE o.status <> 'paid'`},
		{"refunds above the line amount", `SELECT COUNT(*) FROM (SELECT r.line_id FROM refunds r JOIN order_lines l ON l.line_id = r.line_id
			GROUP BY r.line_id, l.amount HAVING SUM(r.amount) > l.amount + 0.001)`},
		{"refund not positive", `SELECT COUNT(*) FROM refunds WHERE amount <= 0`},
		{"customer_type not 新客 exactly on the first order", `SELECT COUNT(*) FROM (
			SELECT customer_type, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_date, order_id) AS n FROM orders)
			WHERE (n = 1) <> (customer_type = '新客')`},
		{"customer_type other than 新客 or 老客", `SELECT COUNT(*) FROM orders WHERE customer_type NOT IN ('新客', '老客')`},
		{"signup after the first order", `SELECT COUNT(*) FROM customers c JOIN (SELECT customer_id, MIN(order_date) AS first FROM orders GROUP BY customer_id) f
			ON f.customer_id = c.customer_id WHERE c.signup_date > f.first`},
		{"customer without orders", `SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)`},
		{"status other than paid or cancelled", `SELECT COUNT(*) FROM orders WHERE status NOT IN ('paid', 'cancelled')`},
		{"line amount above quantity x unit price", `SELECT COUNT(*) FROM order_lines WHERE amount > quantity * unit_price + 0.001 OR amount <= 0`},
		{"line unit price other than the product's", `SELECT COUNT(*) FROM order_lines l JOIN products p ON p.product_id = l.product_id
			WHERE abs(l.unit_price - p.unit_price) > 0.001`},
		{"cost amount other than quantity x unit cost", `SELECT COUNT(*) FROM order_lines l JOIN products p ON p.product_id = l.product_id
			WHERE abs(l.cost_amount - l.quantity * p.unit_cost) > 0.001`},
		{"money not in whole cents", `SELECT COUNT(*) FROM order_lines WHERE abs(amount * 100 - round(amount * 100)) > 0.0001`},
		{"shipping fee in store", `SELECT COUNT(*) FROM orders o JOIN channels c ON c.channel_id = o.channel_id
			WHERE c.channel_type = '线下' AND o.shipping_fee <> 0`},
		{"shipping fee out of 0-10 yuan", `SELECT COUNT(*) FROM orders WHERE shipping_fee < 0 OR shipping_fee > 10`},
		{"traffic before the store opened", `SELECT COUNT(*) FROM store_traffic t JOIN stores s ON s.store_id = t.store_id WHERE t.traffic_date < s.opened_date`},
		{"orders without traffic or above visitors", `SELECT COUNT(*) FROM (SELECT order_date, store_id, channel_id, COUNT(*) AS n FROM orders
			GROUP BY order_date, store_id, channel_id) o LEFT JOIN store_traffic t
			ON t.traffic_date = o.order_date AND t.store_id = o.store_id AND t.channel_id = o.channel_id
			WHERE t.visitors IS NULL OR o.n > t.visitors`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := queryInt(t, db, c.q); got != 0 {
				t.Errorf("got %d rows with %s, want 0", got, c.name)
			}
		})
	}
}

func TestVolumes(t *testing.T) {
	db := fullDB(t)
	ranges := []struct {
		name   string
		q      string
		lo, hi float64
	}{
		{"orders", `SELECT COUNT(*) FROM orders`, 250_000, 400_000},
		{"days", `SELECT COUNT(DISTINCT order_date) FROM orders`, 730, 730},
		{"first day", `SELECT julianday('` + endMinus(0) + `') - julianday(MIN(order_date)) FROM orders`, 729, 729},
		{"stores", `SELECT COUNT(*) FROM stores`, 35, 45},
		{"lines per order", `SELECT 1.0 * (SELECT COUNT(*) FROM order_lines) / COUNT(*) FROM orders`, 1.5, 2.5},
		{"cancelled share", `SELECT AVG(status = 'cancelled') FROM orders`, 0.02, 0.04},
		{"new customer share", `SELECT AVG(customer_type = '新客') FROM orders`, 0.15, 0.35},
		{"refund rate", `SELECT (SELECT SUM(amount) FROM refunds) /
			(SELECT SUM(l.amount) FROM order_lines l JOIN orders o ON o.order_id = l.order_id WHERE o.status = 'paid')`, 0.02, 0.04},
		{"online shipping fee share of orders", `SELECT AVG(o.shipping_fee > 0) FROM orders o JOIN channels c ON c.channel_id = o.channel_id
			WHERE c.channel_type = '线上'`, 0.05, 0.8},
		{"家电 average price over 食品", `SELECT (SELECT AVG(p.unit_price) FROM products p JOIN categories c USING (category_id) WHERE c.category_name = '家电') /
			(SELECT AVG(p.unit_price) FROM products p JOIN categories c USING (category_id) WHERE c.category_name = '食品')`, 10, 100},
		{"gross margin", `SELECT 1 - SUM(l.cost_amount) / SUM(l.amount) FROM order_lines l JOIN orders o ON o.order_id = l.order_id WHERE o.status = 'paid'`, 0.15, 0.45},
		// Conversion of every channel on every day, all stores together.
		{"lowest daily channel conversion", `SELECT MIN(1.0 * o.n / t.v) FROM
			(SELECT order_date, channel_id, COUNT(*) AS n FROM orders WHERE status = 'paid' GROUP BY order_date, channel_id) o JOIN
			(SELECT traffic_date, channel_id, SUM(visitors) AS v FROM store_traffic GROUP BY traffic_date, channel_id) t
			ON t.traffic_date = o.order_date AND t.channel_id = o.channel_id`, 0.02, 0.30},
		{"highest daily channel conversion", `SELECT MAX(1.0 * o.n / t.v) FROM
			(SELECT order_date, channel_id, COUNT(*) AS n FROM orders WHERE status = 'paid' GROUP BY order_date, channel_id) o JOIN
			(SELECT traffic_date, channel_id, SUM(visitors) AS v FROM store_traffic GROUP BY traffic_date, channel_id) t
			ON t.traffic_date = o.order_date AND t.channel_id = o.channel_id`, 0.02, 0.30},
	}
	for _, r := range ranges {
		t.Run(r.name, func(t *testing.T) {
			if got := queryFloat(t, db, r.q); got < r.lo || got > r.hi {
				t.Errorf("got %g, want %g..%g", got, r.lo, r.hi)
			}
		})
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
