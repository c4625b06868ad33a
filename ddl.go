package ore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ore-go/ore/compile"
)

// ----------------------------------------------------------------------------
// Schema statements

// DDLStmt is a schema statement: CREATE TABLE, DROP TABLE, CREATE INDEX and
// the like, made by [CreateTable], [DropTable] and [CreateIndexes]. Run it
// with Exec.
type DDLStmt struct {
	n   compile.Stmt
	err error
}

// Build returns the statement's syntax tree, or the error that made it
// impossible.
func (s DDLStmt) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.n == nil {
		return nil, errors.New("ore: zero DDLStmt")
	}
	return s.n, nil
}

// CreateTable returns CREATE TABLE for t: its columns, primary key, unique
// constraints, foreign keys and checks (see [Table.Spec]). Indexes are
// separate statements: [CreateIndexes].
func CreateTable(t TableRef) DDLStmt { return createTable(t, false, nil) }

// CreateTableIfNotExists returns CREATE TABLE IF NOT EXISTS for t.
func CreateTableIfNotExists(t TableRef) DDLStmt { return createTable(t, true, nil) }

// createTable builds CREATE TABLE, leaving out the foreign keys skip
// reports true for (they close cycles and are added after).
func createTable(ref TableRef, ifNotExists bool, skip func(ForeignKeyDef) bool) DDLStmt {
	t, err := tableOf(ref)
	if err != nil {
		return DDLStmt{err: err}
	}
	spec, err := t.Spec()
	if err != nil {
		return DDLStmt{err: err}
	}
	n := &compile.CreateTable{
		Table:       &compile.Table{Schema: t.Schema(), Name: t.Name()},
		IfNotExists: ifNotExists,
		PrimaryKey:  spec.PrimaryKey,
		PKName:      spec.PKName,
	}
	for _, def := range spec.Columns {
		if def.Type.Kind == compile.TypeUnknown {
			return DDLStmt{err: fmt.Errorf("ore: table %q: column %q: no SQL type for Go type %v; tag it type=...", t.Name(), def.Name, def.GoType)}
		}
		col := compile.ColumnSpec{Name: def.Name, Type: def.Type, NotNull: !def.Nullable || def.PrimaryKey, Identity: def.Identity}
		if def.Default != "" {
			col.Default = &compile.Raw{SQL: def.Default}
		}
		n.Columns = append(n.Columns, col)
	}
	for _, u := range spec.Uniques {
		n.Uniques = append(n.Uniques, compile.UniqueSpec{Name: u.Name, Columns: u.Columns})
	}
	for _, fk := range spec.ForeignKeys {
		if skip != nil && skip(fk) {
			continue
		}
		n.ForeignKeys = append(n.ForeignKeys, fkSpec(t, fk))
	}
	for _, ch := range spec.Checks {
		n.Checks = append(n.Checks, compile.CheckSpec{Name: ch.Name, Cond: ch.Cond})
	}
	return DDLStmt{n: n}
}

// fkSpec returns the compile form of foreign key fk of table t. A foreign
// key without a schema refers to a table of t's schema.
func fkSpec(t *Table, fk ForeignKeyDef) compile.ForeignKeySpec {
	schema := fk.RefSchema
	if schema == "" {
		schema = t.Schema()
	}
	return compile.ForeignKeySpec{
		Name:       fk.Name,
		Columns:    fk.Columns,
		RefTable:   &compile.Table{Schema: schema, Name: fk.RefTable},
		RefColumns: fk.RefColumns,
		OnDelete:   fk.Delete,
		OnUpdate:   fk.Update,
	}
}

// DropTable returns DROP TABLE for t.
func DropTable(t TableRef) DDLStmt { return dropTable(t, false) }

// DropTableIfExists returns DROP TABLE IF EXISTS for t.
func DropTableIfExists(t TableRef) DDLStmt { return dropTable(t, true) }

func dropTable(ref TableRef, ifExists bool) DDLStmt {
	t := TableOf(ref)
	if t == nil {
		return DDLStmt{err: errNilTable}
	}
	return DDLStmt{n: &compile.DropTable{Table: &compile.Table{Schema: t.Schema(), Name: t.Name()}, IfExists: ifExists}}
}

// CreateIndexes returns a CREATE INDEX statement for each index of t's
// declaration.
func CreateIndexes(t TableRef, ifNotExists bool) ([]DDLStmt, error) {
	tbl, err := tableOf(t)
	if err != nil {
		return nil, err
	}
	spec, err := tbl.Spec()
	if err != nil {
		return nil, err
	}
	out := make([]DDLStmt, 0, len(spec.Indexes))
	for _, ix := range spec.Indexes {
		out = append(out, DDLStmt{n: &compile.CreateIndex{
			Name:        ix.Name,
			Table:       &compile.Table{Schema: tbl.Schema(), Name: tbl.Name()},
			Unique:      ix.Unique,
			IfNotExists: ifNotExists,
			Exprs:       ix.Exprs,
			Where:       ix.Predicate,
		}})
	}
	return out, nil
}

// ----------------------------------------------------------------------------
// MetaData

// MetaData is a collection of tables: a schema declared in Go, or reflected
// from a database. It creates and drops them in dependency order.
type MetaData struct {
	tables []*Table
}

// NewMetaData returns a MetaData holding tables.
func NewMetaData(tables ...TableRef) *MetaData {
	m := &MetaData{}
	m.Add(tables...)
	return m
}

// Add adds tables; a table already held (by schema and name) is replaced.
func (m *MetaData) Add(tables ...TableRef) {
	for _, ref := range tables {
		t := TableOf(ref)
		if t == nil {
			continue
		}
		if i := m.index(t.Schema(), t.Name()); i >= 0 {
			m.tables[i] = t
		} else {
			m.tables = append(m.tables, t)
		}
	}
}

func (m *MetaData) index(schema, name string) int {
	return slices.IndexFunc(m.tables, func(t *Table) bool { return t.Name() == name && t.Schema() == schema })
}

// Tables returns the tables in the order they were added.
func (m *MetaData) Tables() []*Table { return slices.Clone(m.tables) }

// Table returns the table named name in the default schema; or nil.
func (m *MetaData) Table(name string) *Table { return m.TableIn("", name) }

// TableIn returns the table named name in schema; or nil.
func (m *MetaData) TableIn(schema, name string) *Table {
	if i := m.index(schema, name); i >= 0 {
		return m.tables[i]
	}
	return nil
}

// SortedTables returns the tables in dependency order: every table after
// the tables its foreign keys refer to, ties broken by the order of
// addition. Foreign keys that form cycles cannot all be satisfied by an
// order; they are returned as cycleFKs (per table), to be added after the
// tables exist.
func (m *MetaData) SortedTables() (sorted []*Table, cycleFKs map[*Table][]ForeignKeyDef, err error) {
	specs := make(map[*Table]*TableSpec, len(m.tables))
	for _, t := range m.tables {
		spec, err := t.Spec()
		if err != nil {
			return nil, nil, err
		}
		specs[t] = spec
	}
	// deps[t] are the tables t refers to (itself excluded: a table may
	// refer to itself from its CREATE TABLE).
	deps := make(map[*Table][]*Table, len(m.tables))
	for _, t := range m.tables {
		for _, fk := range specs[t].ForeignKeys {
			if ref := m.refTable(t, fk); ref != nil && ref != t && !slices.Contains(deps[t], ref) {
				deps[t] = append(deps[t], ref)
			}
		}
	}
	cycleFKs = map[*Table][]ForeignKeyDef{}
	for _, scc := range stronglyConnected(m.tables, deps) {
		if len(scc) < 2 {
			continue
		}
		for _, t := range scc {
			for _, fk := range specs[t].ForeignKeys {
				if ref := m.refTable(t, fk); ref != t && slices.Contains(scc, ref) {
					cycleFKs[t] = append(cycleFKs[t], fk)
				}
			}
		}
	}
	// Kahn's algorithm over the edges left, taking the earliest-added
	// ready table each time.
	done := make(map[*Table]bool, len(m.tables))
	for len(sorted) < len(m.tables) {
		for _, t := range m.tables {
			if done[t] {
				continue
			}
			ready := true
			for _, d := range deps[t] {
				if !done[d] && !cycleEdge(cycleFKs[t], d) {
					ready = false
					break
				}
			}
			if ready {
				done[t] = true
				sorted = append(sorted, t)
				break
			}
		}
	}
	return sorted, cycleFKs, nil
}

// refTable returns the table fk of t refers to; or nil if m does not hold
// it. A foreign key without a schema refers to t's own.
func (m *MetaData) refTable(t *Table, fk ForeignKeyDef) *Table {
	schema := fk.RefSchema
	if schema == "" {
		schema = t.Schema()
	}
	return m.TableIn(schema, fk.RefTable)
}

func cycleEdge(fks []ForeignKeyDef, ref *Table) bool {
	return slices.ContainsFunc(fks, func(fk ForeignKeyDef) bool { return fk.RefTable == ref.Name() })
}

// stronglyConnected returns the strongly connected components of the
// graph (Tarjan's algorithm).
func stronglyConnected(nodes []*Table, edges map[*Table][]*Table) [][]*Table {
	index := map[*Table]int{}
	low := map[*Table]int{}
	onStack := map[*Table]bool{}
	var stack []*Table
	var out [][]*Table
	var visit func(v *Table)
	visit = func(v *Table) {
		index[v] = len(index)
		low[v] = index[v]
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []*Table
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			out = append(out, scc)
		}
	}
	for _, v := range nodes {
		if _, seen := index[v]; !seen {
			visit(v)
		}
	}
	return out
}

// CreateOptions configure [MetaData.CreateAll].
type CreateOptions struct {
	// IfNotExists skips tables and indexes that exist already.
	IfNotExists bool
}

// CreateAll creates the tables and their indexes in dependency order, in
// one transaction. Foreign keys in cycles are added afterwards with ALTER
// TABLE where the database can; SQLite, which cannot, does not need it (it
// accepts foreign keys to tables not created yet).
//
// With IfNotExists, tables that exist are left alone, with their indexes
// and foreign keys; the others are created.
func (m *MetaData) CreateAll(ctx context.Context, db *DB, opts CreateOptions) error {
	var exists func(*Table) bool
	if opts.IfNotExists {
		in, err := Inspect(ctx, db)
		if err != nil {
			return err
		}
		have := map[string][]string{}
		for _, t := range m.tables {
			if _, ok := have[t.Schema()]; !ok {
				names, err := in.Tables(ctx, t.Schema())
				if err != nil {
					return err
				}
				have[t.Schema()] = names
			}
		}
		exists = func(t *Table) bool { return slices.Contains(have[t.Schema()], t.Name()) }
	}
	stmts, err := m.createStatements(db.Dialect(), exists)
	if err != nil {
		return err
	}
	return InTx(ctx, db, func(tx *Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// createStatements returns the statements CreateAll runs, for the tables
// exists (if not nil) does not report.
func (m *MetaData) createStatements(d compile.Dialect, exists func(*Table) bool) ([]Statement, error) {
	sorted, cycles, err := m.SortedTables()
	if err != nil {
		return nil, err
	}
	alter := d.Features().Has(compile.FeatAlterForeignKeys)
	var stmts, later []Statement
	for _, t := range sorted {
		if exists != nil && exists(t) {
			continue
		}
		var skip func(ForeignKeyDef) bool
		if alter && len(cycles[t]) > 0 {
			skip = func(fk ForeignKeyDef) bool {
				return slices.ContainsFunc(cycles[t], func(c ForeignKeyDef) bool { return sameFK(c, fk) })
			}
			for _, fk := range cycles[t] {
				later = append(later, DDLStmt{n: &compile.AddForeignKey{
					Table: &compile.Table{Schema: t.Schema(), Name: t.Name()},
					FK:    fkSpec(t, namedFK(t, fk)),
				}})
			}
		}
		stmts = append(stmts, createTable(t, false, skip))
		ixs, err := CreateIndexes(t, false)
		if err != nil {
			return nil, err
		}
		for _, ix := range ixs {
			stmts = append(stmts, ix)
		}
	}
	return append(stmts, later...), nil
}

func sameFK(a, b ForeignKeyDef) bool {
	return a.Name == b.Name && slices.Equal(a.Columns, b.Columns) && a.RefTable == b.RefTable &&
		a.RefSchema == b.RefSchema && slices.Equal(a.RefColumns, b.RefColumns)
}

// namedFK returns fk with a name: its own, or PostgreSQL's convention
// table_col_fkey (shortened to fit), so that DropAll can drop it by name.
func namedFK(t *Table, fk ForeignKeyDef) ForeignKeyDef {
	if fk.Name == "" {
		base := t.Name()
		for _, c := range fk.Columns {
			base += "_" + c
		}
		fk.Name = generatedName(base, "fkey", nil)
	}
	return fk
}

// DropOptions configure [MetaData.DropAll].
type DropOptions struct {
	// IfExists skips tables that do not exist.
	IfExists bool
}

// DropAll drops the tables in reverse dependency order, in one
// transaction; foreign keys in cycles are dropped first where the database
// can, and checked only at commit where it cannot.
func (m *MetaData) DropAll(ctx context.Context, db *DB, opts DropOptions) error {
	sorted, cycles, err := m.SortedTables()
	if err != nil {
		return err
	}
	d := db.Dialect()
	alter := d.Features().Has(compile.FeatAlterForeignKeys)
	return InTx(ctx, db, func(tx *Tx) error {
		if deferrer, ok := d.(compile.ForeignKeyDeferrer); ok && len(cycles) > 0 && !alter {
			// Dropping a table deletes its rows, which rows of the tables
			// still to drop may refer to: check at commit, when all are gone.
			if _, err := tx.Exec(ctx, SQL[struct{}](deferrer.DeferForeignKeysSQL())); err != nil {
				return err
			}
		}
		if alter {
			for _, t := range sorted {
				for _, fk := range cycles[t] {
					s := DDLStmt{n: &compile.DropConstraint{
						Table:         &compile.Table{Schema: t.Schema(), Name: t.Name()},
						TableIfExists: opts.IfExists,
						Name:          namedFK(t, fk).Name,
						IfExists:      opts.IfExists,
					}}
					if _, err := tx.Exec(ctx, s); err != nil {
						return err
					}
				}
			}
		}
		for _, t := range slices.Backward(sorted) {
			if _, err := tx.Exec(ctx, dropTable(t, opts.IfExists)); err != nil {
				return err
			}
		}
		return nil
	})
}
