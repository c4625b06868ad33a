package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// The ORM benchmarks run four operations through a session, through Core
// and through pgx by hand, on PostgreSQL, on the engine benchmarks' items
// table (and items_o, which receives the inserted rows):
//
//   - get: one object by primary key, missing from the identity map (the
//     session is emptied after each step, as a new request's would be);
//   - query_100: 100 objects (id > $1 ORDER BY id LIMIT 100), new to the
//     session;
//   - flush_100_new: 100 new objects added and flushed, their generated
//     ids read back into them;
//   - flush_one_changed: one field of one loaded object changed and
//     flushed (an UPDATE of that column).
//
//	go test -run '^$' -bench 'ORM' ./bench
//	go test ./bench -run TestORMRatios -ratios -v -timeout 30m
//
// A session works in a transaction, begun at its first statement: the
// sessions commit every ormTxSteps steps, and so do the writes of Core and
// pgx, so that each pays the same BEGIN and COMMIT. (The reads of Core and
// pgx run outside transactions: the session's BEGIN and COMMIT are part of
// its cost.)

// ormItem is the mapped row of items; ormItemO that of items_o. Both map
// by the db tags.
type (
	ormItem  engItem
	ormItemO engItem
)

var engItemsO = ore.NewTable[engItemsTable]("items_o")

func init() {
	mapper.Map[ormItem](engItems)
	mapper.Map[ormItemO](engItemsO)
}

// ormTxSteps is how many write steps share a transaction.
const ormTxSteps = 20

var ormOps = []string{"get", "query_100", "flush_100_new", "flush_one_changed"}

const (
	implORM  = "orm"
	implCore = "core"
	implPgx  = "pgx" // pgxpool for reads, a pgx.Tx for writes
)

// Sinks.
var (
	ormSinkItem  *ormItem
	ormSinkItems []*ormItem
	ormSinkNew   []*ormItemO
)

func pgORMCases(tb testing.TB) []engCase {
	e := pgEngineSetup(tb)
	_, err := e.pool.Exec(e.ctx, "CREATE TABLE items_o (LIKE items INCLUDING ALL)")
	require.NoError(tb, err)
	return e.ormCases(tb)
}

// ormNew returns the 100 new objects of step i.
func ormNew(i int) []*ormItemO {
	out := make([]*ormItemO, 100)
	for j := range out {
		it := ormItemO(engInput[(i+j)%len(engInput)])
		it.ID = 0
		out[j] = &it
	}
	return out
}

func checkNew(tb testing.TB, items []*ormItemO) {
	for j, it := range items {
		if it.ID == 0 || (j > 0 && it.ID <= items[j-1].ID) {
			tb.Fatalf("new object %d has id %d after %d", j, it.ID, items[max(j-1, 0)].ID)
		}
	}
}

// txEvery runs the writes of a case in a transaction that it commits and
// begins again every ormTxSteps steps.
type txEvery[T any] struct {
	begin  func() (T, error)
	commit func(T) error
	tx     T
	open   bool
}

func (t *txEvery[T]) get(tb testing.TB, i int) T {
	if t.open && i%ormTxSteps == 0 {
		if err := t.commit(t.tx); err != nil {
			tb.Fatal(err)
		}
		t.open = false
	}
	if !t.open {
		tx, err := t.begin()
		if err != nil {
			tb.Fatal(err)
		}
		t.tx, t.open = tx, true
	}
	return t.tx
}

// end commits the open transaction, if any.
func (t *txEvery[T]) end(tb testing.TB) {
	if t.open {
		t.open = false
		if err := t.commit(t.tx); err != nil {
			tb.Fatal(err)
		}
	}
}

func (e *pgEngine) ormCases(tb testing.TB) []engCase {
	ctx, db, pool := e.ctx, e.db, e.pool
	var cs []engCase
	add := func(op, impl string, step func(tb testing.TB, i int), end ...interface{ end(testing.TB) }) {
		c := engCase{op: op, impl: impl, step: step}
		if len(end) > 0 {
			c.teardown = end[0].end
		}
		cs = append(cs, c)
	}
	// sessionTx is a session that commits every ormTxSteps steps.
	sessionTx := func() *txEvery[*session.Session] {
		s := session.New(db, session.Options{})
		tb.Cleanup(func() { s.Close(context.Background()) })
		return &txEvery[*session.Session]{
			begin:  func() (*session.Session, error) { return s, nil },
			commit: func(s *session.Session) error { return s.Commit(ctx) },
		}
	}
	coreTx := func() *txEvery[*ore.Tx] {
		return &txEvery[*ore.Tx]{
			begin:  func() (*ore.Tx, error) { return db.Begin(ctx, ore.TxOptions{}) },
			commit: func(tx *ore.Tx) error { return tx.Commit(ctx) },
		}
	}
	pgxTx := func() *txEvery[pgx.Tx] {
		return &txEvery[pgx.Tx]{
			begin:  func() (pgx.Tx, error) { return pool.Begin(ctx) },
			commit: func(tx pgx.Tx) error { return tx.Commit(ctx) },
		}
	}

	// get
	getTx := sessionTx()
	add("get", implORM, func(tb testing.TB, i int) {
		id := engID(i)
		sGet := getTx.get(tb, i)
		it, err := session.Get[ormItem](ctx, sGet, id)
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, (*engItem)(it), id)
		ormSinkItem = it
		sGet.ExpungeAll()
	}, getTx)
	add("get", implCore, func(tb testing.TB, i int) {
		id := engID(i)
		it, err := ore.One(ctx, db, ore.Select[*ormItem](engColumns()...).From(engItems).Where(engItems.ID.Eq(id)))
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, (*engItem)(it), id)
		ormSinkItem = it
	})
	add("get", implPgx, func(tb testing.TB, i int) {
		id := engID(i)
		it := new(ormItem)
		err := pool.QueryRow(ctx, pgReadOneSQL, id).Scan(&it.ID, &it.Name, &it.Note, &it.Qty, &it.Active, &it.Price, &it.CreatedAt, &it.DeletedAt)
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, (*engItem)(it), id)
		ormSinkItem = it
	})

	// query_100
	queryTx := sessionTx()
	add("query_100", implORM, func(tb testing.TB, i int) {
		lo := engLow(i)
		sQuery := queryTx.get(tb, i)
		items, err := session.Query[ormItem](sQuery).Where(engItems.ID.Gt(lo)).OrderBy(engItems.ID).Limit(100).All(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		checkPtrItems(tb, items, lo)
		ormSinkItems = items
		sQuery.ExpungeAll()
	}, queryTx)
	add("query_100", implCore, func(tb testing.TB, i int) {
		lo := engLow(i)
		items, err := ore.All(ctx, db, ore.Select[*ormItem](engColumns()...).From(engItems).Where(engItems.ID.Gt(lo)).OrderBy(engItems.ID).Limit(100))
		if err != nil {
			tb.Fatal(err)
		}
		checkPtrItems(tb, items, lo)
		ormSinkItems = items
	})
	add("query_100", implPgx, func(tb testing.TB, i int) {
		lo := engLow(i)
		rows, err := pool.Query(ctx, pgReadManySQL, lo, int64(100))
		if err != nil {
			tb.Fatal(err)
		}
		var items []*ormItem
		for rows.Next() {
			it := new(ormItem)
			if err := rows.Scan(&it.ID, &it.Name, &it.Note, &it.Qty, &it.Active, &it.Price, &it.CreatedAt, &it.DeletedAt); err != nil {
				tb.Fatal(err)
			}
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
		checkPtrItems(tb, items, lo)
		ormSinkItems = items
	})

	// flush_100_new
	ormTx := sessionTx()
	add("flush_100_new", implORM, func(tb testing.TB, i int) {
		s := ormTx.get(tb, i)
		items := ormNew(i)
		for _, it := range items {
			if err := s.Add(it); err != nil {
				tb.Fatal(err)
			}
		}
		if err := s.Flush(ctx); err != nil {
			tb.Fatal(err)
		}
		checkNew(tb, items)
		ormSinkNew = items
		s.ExpungeAll()
	}, ormTx)
	newCoreTx := coreTx()
	add("flush_100_new", implCore, func(tb testing.TB, i int) {
		tx := newCoreTx.get(tb, i)
		items := ormNew(i)
		ins := ore.Insert(engItemsO)
		t := engItemsO
		for _, it := range items {
			ins = ins.Values(engAssign(t, (*engItem)(it))...)
		}
		ids, err := ore.All(ctx, tx, ore.Into[int64](ins.Returning(t.ID)))
		if err != nil {
			tb.Fatal(err)
		}
		for j, id := range ids {
			items[j].ID = id
		}
		checkNew(tb, items)
		ormSinkNew = items
	}, newCoreTx)
	newPgxTx := pgxTx()
	insertO := strings.Replace(pgInsertManySQL, `"items_w"`, `"items_o"`, 1) + ` RETURNING "id"`
	add("flush_100_new", implPgx, func(tb testing.TB, i int) {
		tx := newPgxTx.get(tb, i)
		items := ormNew(i)
		args := make([]any, 0, 700)
		for _, it := range items {
			args = engInsertArgs(args, (*engItem)(it))
		}
		rows, err := tx.Query(ctx, insertO, args...)
		if err != nil {
			tb.Fatal(err)
		}
		j := 0
		for rows.Next() {
			if err := rows.Scan(&items[j].ID); err != nil {
				tb.Fatal(err)
			}
			j++
		}
		if err := rows.Err(); err != nil || j != len(items) {
			tb.Fatal(j, err)
		}
		checkNew(tb, items)
		ormSinkNew = items
	}, newPgxTx)

	// flush_one_changed: object 1 of items; each step sets its qty.
	updTx := sessionTx()
	var changed *ormItem
	add("flush_one_changed", implORM, func(tb testing.TB, i int) {
		s := updTx.get(tb, i)
		if changed == nil || session.SessionOf(changed) != s {
			var err error
			if changed, err = session.Get[ormItem](ctx, s, int64(1)); err != nil {
				tb.Fatal(err)
			}
		}
		changed.Qty = int32(i%1000) + 1
		if err := s.Flush(ctx); err != nil {
			tb.Fatal(err)
		}
	}, updTx)
	coreUpdTx := coreTx()
	add("flush_one_changed", implCore, func(tb testing.TB, i int) {
		tx := coreUpdTx.get(tb, i)
		r, err := tx.Exec(ctx, ore.Update(engItems).Set(engItems.Qty.To(int32(i%1000)+1)).Where(engItems.ID.Eq(2)))
		if err != nil || r.RowsAffected != 1 {
			tb.Fatal(r, err)
		}
	}, coreUpdTx)
	pgxUpdTx := pgxTx()
	add("flush_one_changed", implPgx, func(tb testing.TB, i int) {
		tx := pgxUpdTx.get(tb, i)
		tag, err := tx.Exec(ctx, `UPDATE "items" SET "qty" = $1 WHERE "items"."id" = $2`, int32(i%1000)+1, int64(3))
		if err != nil || tag.RowsAffected() != 1 {
			tb.Fatal(tag, err)
		}
	}, pgxUpdTx)
	return cs
}

func checkPtrItems(tb testing.TB, items []*ormItem, lo int64) {
	if len(items) != 100 || items[0].ID != lo+1 || items[99].ID != lo+100 {
		tb.Fatalf("read %d rows, want 100 from %d", len(items), lo+1)
	}
}

// BenchmarkORM runs every case, as BenchmarkORM/<operation>/<implementation>.
func BenchmarkORM(b *testing.B) {
	for _, c := range pgORMCases(b) {
		b.Run(c.op+"/"+c.impl, c.run)
	}
}

// TestORMRatios measures the ORM benchmarks as TestEngineRatios does the
// engine's (benchmark runs and interleaved steps) and prints the ratios of
// the session to pgx and to Core, with the goals: reads within 1.3 of pgx,
// a flush of 100 new objects within 1.2 of the hand-written multi-row
// INSERT.
//
//	go test ./bench -run TestORMRatios -ratios -v -timeout 30m
func TestORMRatios(t *testing.T) {
	if !*engRatios && os.Getenv("ORE_BENCH_RATIOS") != "1" {
		t.Skip("the ORM ratios take minutes; run with -ratios or ORE_BENCH_RATIOS=1")
	}
	runs := max(*engRatiosRuns, 1)
	res := measure(t, "postgres", pgORMCases(t), ormOps, runs)
	var out strings.Builder
	fmt.Fprintf(&out, "\n#### ORM on PostgreSQL (%d benchmark runs; cells: median ns/op · allocations, and median interleaved step)\n\n", runs)
	fmt.Fprintf(&out, "| operation | session | Core | pgx | session ÷ pgx | session ÷ Core | steps: session ÷ pgx |\n|---|---|---|---|---|---|---|\n")
	for _, op := range ormOps {
		orm, core, raw := res.stat("postgres", op, implORM), res.stat("postgres", op, implCore), res.stat("postgres", op, implPgx)
		fmt.Fprintf(&out, "| %s | %s | %s | %s | %s | %s | %s |\n", op, metricWall.cell(orm), metricWall.cell(core), metricWall.cell(raw),
			metricWall.ratio(orm, raw), metricWall.ratio(orm, core), metricStep.ratio(orm, raw))
	}
	fmt.Fprintf(&out, "\nGoals: get and query_100 ≤ 1.30 × pgx; flush_100_new ≤ 1.20 × pgx.\n")
	fmt.Print(out.String())
	if *engRatiosOut != "" {
		if err := os.WriteFile(*engRatiosOut, []byte(out.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkWeakHolding measures what the Go runtime charges for the
// session's hold on 100 loaded objects, with no session involved: a weak
// pointer each (the object's registration, so that its state can be found
// from the object alone) and a finalizer each (the weak hold that still
// flushes an object changed and then dropped), then their removal as the
// objects leave the session. The alloc case is the objects alone.
func BenchmarkWeakHolding(b *testing.B) {
	run := func(b *testing.B, hold func(it *ormItem)) {
		b.ReportAllocs()
		for b.Loop() {
			items := make([]*ormItem, 100)
			for j := range items {
				items[j] = &ormItem{ID: int64(j)}
				hold(items[j])
			}
			for _, it := range items {
				runtime.SetFinalizer(it, nil)
			}
			ormSinkItems = items
		}
	}
	b.Run("alloc", func(b *testing.B) { run(b, func(*ormItem) {}) })
	b.Run("weak", func(b *testing.B) { run(b, func(it *ormItem) { ormSinkWeak = weak.Make(it) }) })
	b.Run("weak+finalizer", func(b *testing.B) {
		run(b, func(it *ormItem) {
			ormSinkWeak = weak.Make(it)
			runtime.SetFinalizer(it, func(*ormItem) {})
		})
	})
}

var ormSinkWeak weak.Pointer[ormItem]
