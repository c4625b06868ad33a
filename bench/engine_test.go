package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ore-go/ore"
)

// The engine benchmarks run the same five operations through ore and
// through the raw drivers, on a table of eight columns, and report what
// ore's engine (statement cache, pool, events, scanning) costs on top of
// the driver doing the same work with the same SQL.
//
//	go test -run '^$' -bench 'Engine' -benchtime 1s ./bench
//	go test ./bench -run TestEngineRatios -ratios -v -timeout 60m   # the tables of ratios
//
// bench/README.md describes the implementations compared, how each is kept
// fair, and the results.
//
// The operations, on a table of engRows rows:
//
//   - read_one: one row by primary key into a struct;
//   - read_100: 100 rows (WHERE id > $1 ORDER BY id LIMIT 100) into a slice
//     of structs;
//   - insert_one: one row, RETURNING its id;
//   - insert_100: 100 rows in one statement (multi-row VALUES), into a
//     second table emptied before each run;
//   - update_one: two columns of one row by primary key.
//
// Every iteration uses another key (or other values), derived from the loop
// counter, and checks the result, so that nothing is optimized away and
// every implementation does the same work.

// engItemsTable is the benchmarked table: one column of each common kind,
// nullable ones included.
type engItemsTable struct {
	ore.Table
	ID        ore.Col[int64]      `ore:"id,pk,identity"`
	Name      ore.Col[string]     `ore:"name"`
	Note      ore.Col[*string]    `ore:"note"`
	Qty       ore.Col[int32]      `ore:"qty"`
	Active    ore.Col[bool]       `ore:"active"`
	Price     ore.Col[float64]    `ore:"price"`
	CreatedAt ore.Col[time.Time]  `ore:"created_at"`
	DeletedAt ore.Col[*time.Time] `ore:"deleted_at"`
}

var (
	// engItems holds the rows that are read and updated.
	engItems = ore.NewTable[engItemsTable]("items")
	// engItemsW receives the inserted rows, so that reads do not see the
	// table grow.
	engItemsW = ore.NewTable[engItemsTable]("items_w")
)

// engItem is a row. The db tags serve pgx's RowToStructByName; ore reads
// them too.
type engItem struct {
	ID        int64      `db:"id"`
	Name      string     `db:"name"`
	Note      *string    `db:"note"`
	Qty       int32      `db:"qty"`
	Active    bool       `db:"active"`
	Price     float64    `db:"price"`
	CreatedAt time.Time  `db:"created_at"`
	DeletedAt *time.Time `db:"deleted_at"`
}

// engRows is the number of rows loaded into items; ids run from 1 to it.
const engRows = 10000

// engBase is the time the generated rows' timestamps start from.
var engBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// engRow returns the generated row number n (from 1): every other row has a
// note, every third a deletion time, so that the nullable columns are read
// both ways.
func engRow(n int) engItem {
	it := engItem{
		ID:        int64(n),
		Name:      fmt.Sprintf("item-%d", n),
		Qty:       int32(n % 1000),
		Active:    n%2 == 0,
		Price:     float64(n) * 1.25,
		CreatedAt: engBase.Add(time.Duration(n) * time.Minute),
	}
	if n%2 == 0 {
		note := fmt.Sprintf("note %d", n)
		it.Note = &note
	}
	if n%3 == 0 {
		t := engBase.AddDate(0, 6, 0).Add(time.Duration(n) * time.Minute)
		it.DeletedAt = &t
	}
	return it
}

// engInput holds the values that inserts and updates bind, made once so
// that the benchmarks do not measure making them.
var engInput [1024]engItem

func init() {
	for i := range engInput {
		engInput[i] = engRow(i + 1)
	}
}

// engID returns the key the i-th iteration reads or updates: spread over
// the whole table rather than walking it in order.
func engID(i int) int64 { return 1 + int64(i*7919%engRows) }

// engLow returns the i-th iteration's lower bound for read_100, which reads
// ids engLow(i)+1 to engLow(i)+100.
func engLow(i int) int64 { return int64(i * 7919 % (engRows - 100)) }

// The ore statements, built the way an application builds them: a function
// returning a fresh statement for each call.

func engColumns() []ore.Selectable {
	t := engItems
	return []ore.Selectable{t.ID, t.Name, t.Note, t.Qty, t.Active, t.Price, t.CreatedAt, t.DeletedAt}
}

func engReadOne(id int64) ore.SelectStmt[engItem] {
	t := engItems
	return ore.Select[engItem](t.ID, t.Name, t.Note, t.Qty, t.Active, t.Price, t.CreatedAt, t.DeletedAt).
		From(t).Where(t.ID.Eq(id))
}

func engReadMany(lo int64) ore.SelectStmt[engItem] {
	t := engItems
	return ore.Select[engItem](t.ID, t.Name, t.Note, t.Qty, t.Active, t.Price, t.CreatedAt, t.DeletedAt).
		From(t).Where(t.ID.Gt(lo)).OrderBy(t.ID).Limit(100)
}

func engAssign(t *engItemsTable, it *engItem) []ore.Assignment {
	return []ore.Assignment{
		t.Name.To(it.Name), t.Note.To(it.Note), t.Qty.To(it.Qty), t.Active.To(it.Active),
		t.Price.To(it.Price), t.CreatedAt.To(it.CreatedAt), t.DeletedAt.To(it.DeletedAt),
	}
}

func engInsertOne(it *engItem) ore.Query[int64] {
	t := engItemsW
	return ore.Into[int64](ore.Insert(t).Values(engAssign(t, it)...).Returning(t.ID))
}

// engInsertMany inserts rows engInput[i:i+100] (wrapping around).
func engInsertMany(i int) ore.InsertStmt {
	t := engItemsW
	s := ore.Insert(t)
	for j := range 100 {
		s = s.Values(engAssign(t, &engInput[(i+j)%len(engInput)])...)
	}
	return s
}

func engUpdate(id int64, qty int32, price float64) ore.UpdateStmt {
	t := engItems
	return ore.Update(t).Set(t.Qty.To(qty), t.Price.To(price)).Where(t.ID.Eq(id))
}

// The same statements built once, with named parameters where the values
// change, for the variant that leaves the builder out of the loop.
var (
	engParamID    = ore.Param[int64]("id")
	engParamLow   = ore.Param[int64]("lo")
	engParamQty   = ore.Param[int32]("qty")
	engParamPrice = ore.Param[float64]("price")

	engParamName      = ore.Param[string]("name")
	engParamNote      = ore.Param[*string]("note")
	engParamActive    = ore.Param[bool]("active")
	engParamCreatedAt = ore.Param[time.Time]("created_at")
	engParamDeletedAt = ore.Param[*time.Time]("deleted_at")

	engReadOnceStmt = ore.Select[engItem](engColumns()...).From(engItems).Where(engItems.ID.EqExpr(engParamID))
	engReadManyStmt = ore.Select[engItem](engColumns()...).From(engItems).
			Where(engItems.ID.GtExpr(engParamLow)).OrderBy(engItems.ID).Limit(100)
	engInsertOneStmt = ore.Into[int64](ore.Insert(engItemsW).Values(
		engItemsW.Name.ToExpr(engParamName), engItemsW.Note.ToExpr(engParamNote), engItemsW.Qty.ToExpr(engParamQty),
		engItemsW.Active.ToExpr(engParamActive), engItemsW.Price.ToExpr(engParamPrice),
		engItemsW.CreatedAt.ToExpr(engParamCreatedAt), engItemsW.DeletedAt.ToExpr(engParamDeletedAt),
	).Returning(engItemsW.ID))
	// A 100-row insert built once binds its values as it was built: 700
	// named parameters would measure the parameter lookup, not the engine.
	engInsertManyStmt = engInsertMany(0)
	engUpdateStmt     = ore.Update(engItems).Set(engItems.Qty.ToExpr(engParamQty), engItems.Price.ToExpr(engParamPrice)).
				Where(engItems.ID.EqExpr(engParamID))
)

// engInsertParams returns the parameter values of engInsertOneStmt for it.
func engInsertParams(it *engItem) []ore.ParamValue {
	return []ore.ParamValue{
		engParamName.Bind(it.Name), engParamNote.Bind(it.Note), engParamQty.Bind(it.Qty),
		engParamActive.Bind(it.Active), engParamPrice.Bind(it.Price),
		engParamCreatedAt.Bind(it.CreatedAt), engParamDeletedAt.Bind(it.DeletedAt),
	}
}

// engInsertArgs appends its values to args, in the column order of the
// inserts.
func engInsertArgs(args []any, it *engItem) []any {
	return append(args, it.Name, it.Note, it.Qty, it.Active, it.Price, it.CreatedAt, it.DeletedAt)
}

// Sinks keep results alive.
var (
	engSinkItem  engItem
	engSinkItems []engItem
	engSinkID    int64
	engSinkN     int64
)

// engCase is one benchmark: an operation done by one implementation.
type engCase struct {
	op    string              // read_one, read_100, insert_one, insert_100, update_one
	impl  string              // see the impl constants
	setup func(tb testing.TB) // or nil; runs before the timed loop
	// step does the operation once, as iteration i, checks its result and
	// keeps it in a sink.
	step func(tb testing.TB, i int)
	// teardown, or nil, runs after the steps: it ends what they left open
	// (a transaction holds a connection the other cases may need).
	teardown func(tb testing.TB)
}

// run runs the benchmark. Besides time and allocations it reports the
// process's CPU time per operation (cpu-ns/op): on PostgreSQL the wall time
// is mostly the round trip to the server, whose variations on a busy
// machine hide the client's cost, which CPU time shows better.
func (c engCase) run(b *testing.B) {
	b.ReportAllocs()
	if c.setup != nil {
		c.setup(b)
	}
	if c.teardown != nil {
		defer c.teardown(b)
	}
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		c.step(b, i)
	}
	if cpu := cpuTime() - start; cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// Implementations.
const (
	implOre       = "ore"            // the builder in the loop, as applications write it
	implOreOnce   = "ore_built_once" // the statement built before the loop
	implConnScan  = "pgx_conn_scan"  // one *pgx.Conn, rows.Scan(&a, &b, ...)
	implConnName  = "pgx_conn_byname"
	implPoolScan  = "pgxpool_scan" // *pgxpool.Pool, rows.Scan(&a, &b, ...)
	implPoolName  = "pgxpool_byname"
	implDBSQLScan = "database_sql" // database/sql on modernc.org/sqlite, rows.Scan
)

var engOps = []string{"read_one", "read_100", "insert_one", "insert_100", "update_one"}

// engBackend is a database the cases run on, set up by setup (which
// registers its cleanup on tb).
type engBackend struct {
	name  string
	setup func(tb testing.TB) []engCase
}

var engBackends = []engBackend{
	{"postgres", pgEngineCases},
	{"sqlite_file", func(tb testing.TB) []engCase { return liteEngineCases(tb, false) }},
	{"sqlite_memory", func(tb testing.TB) []engCase { return liteEngineCases(tb, true) }},
	{"null_driver", nullEngineCases},
}

// BenchmarkEngine runs every case, as BenchmarkEngine/<database>/<operation>/<implementation>.
func BenchmarkEngine(b *testing.B) {
	for _, be := range engBackends {
		b.Run(be.name, func(b *testing.B) {
			for _, c := range be.setup(b) {
				b.Run(c.op+"/"+c.impl, c.run)
			}
		})
	}
}

// checkItem fails tb unless it is the generated row id (updates change only
// qty and price, which it does not check).
func checkItem(tb testing.TB, it *engItem, id int64) {
	if it.ID != id || (it.Note != nil) != (id%2 == 0) || (it.DeletedAt != nil) != (id%3 == 0) {
		tb.Fatalf("read row %+v, want the row %d", *it, id)
	}
}

func checkItems(tb testing.TB, items []engItem, lo int64) {
	if len(items) != 100 || items[0].ID != lo+1 || items[99].ID != lo+100 {
		tb.Fatalf("read %d rows from %d, want 100 from %d", len(items), firstID(items), lo+1)
	}
}

func firstID(items []engItem) int64 {
	if len(items) == 0 {
		return 0
	}
	return items[0].ID
}

// oreEngineCases returns the cases of ore (implOre, implOreOnce) for each
// operation, by operation: the same on every database. truncate empties
// the table inserts go to, before each insert case.
func oreEngineCases(ctx context.Context, db *ore.DB, truncate func(tb testing.TB)) map[string][]engCase {
	out := map[string][]engCase{}
	add := func(op, impl string, setup func(tb testing.TB), step func(tb testing.TB, i int)) {
		out[op] = append(out[op], engCase{op: op, impl: impl, setup: setup, step: step})
	}
	add("read_one", implOre, nil, func(tb testing.TB, i int) {
		id := engID(i)
		it, err := ore.One(ctx, db, engReadOne(id))
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, &it, id)
		engSinkItem = it
	})
	add("read_one", implOreOnce, nil, func(tb testing.TB, i int) {
		id := engID(i)
		it, err := ore.One(ctx, db, engReadOnceStmt, engParamID.Bind(id))
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, &it, id)
		engSinkItem = it
	})
	add("read_100", implOre, nil, func(tb testing.TB, i int) {
		lo := engLow(i)
		items, err := ore.All(ctx, db, engReadMany(lo))
		if err != nil {
			tb.Fatal(err)
		}
		checkItems(tb, items, lo)
		engSinkItems = items
	})
	add("read_100", implOreOnce, nil, func(tb testing.TB, i int) {
		lo := engLow(i)
		items, err := ore.All(ctx, db, engReadManyStmt, engParamLow.Bind(lo))
		if err != nil {
			tb.Fatal(err)
		}
		checkItems(tb, items, lo)
		engSinkItems = items
	})
	add("insert_one", implOre, truncate, func(tb testing.TB, i int) {
		id, err := ore.Scalar(ctx, db, engInsertOne(&engInput[i%len(engInput)]))
		if err != nil {
			tb.Fatal(err)
		}
		engSinkID = id
	})
	add("insert_one", implOreOnce, truncate, func(tb testing.TB, i int) {
		id, err := ore.Scalar(ctx, db, engInsertOneStmt, engInsertParams(&engInput[i%len(engInput)])...)
		if err != nil {
			tb.Fatal(err)
		}
		engSinkID = id
	})
	add("insert_100", implOre, truncate, func(tb testing.TB, i int) {
		r, err := db.Exec(ctx, engInsertMany(i))
		if err != nil || r.RowsAffected != 100 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	add("insert_100", implOreOnce, truncate, func(tb testing.TB, i int) {
		r, err := db.Exec(ctx, engInsertManyStmt)
		if err != nil || r.RowsAffected != 100 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	add("update_one", implOre, nil, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		r, err := db.Exec(ctx, engUpdate(engID(i), it.Qty, it.Price))
		if err != nil || r.RowsAffected != 1 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	add("update_one", implOreOnce, nil, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		r, err := db.Exec(ctx, engUpdateStmt, engParamQty.Bind(it.Qty), engParamPrice.Bind(it.Price), engParamID.Bind(engID(i)))
		if err != nil || r.RowsAffected != 1 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	return out
}
