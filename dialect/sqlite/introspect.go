package sqlite

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// introspector reads SQLite's catalog: each schema's sqlite_schema table
// and the pragma table-valued functions, with the parser of ddlparse.go
// for what only the CREATE statements say.
//
// A schema is a database of the connection: "main" (also for ""), "temp",
// or the name of an attached database. Attached and temporary databases
// belong to one connection, so inspecting them needs the connection that
// attached or created them. Foreign keys can only refer to tables of their
// own schema, so ForeignKeyInfo.RefSchema is always "".
type introspector struct{}

var _ dialect.Introspector = introspector{}

// DefaultSchema returns "main".
func (introspector) DefaultSchema(context.Context, dialect.Conn) (string, error) {
	return "main", nil
}

// Schemas returns the connection's databases: main first, then temp if it
// holds anything, then the attached ones in the order they were attached.
func (introspector) Schemas(ctx context.Context, conn dialect.Conn) ([]string, error) {
	dbs, err := names(ctx, conn, `SELECT name FROM pragma_database_list ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	if i := slices.Index(dbs, "temp"); i >= 0 {
		var n int64
		err := query(ctx, conn, `SELECT count(*) FROM "temp".sqlite_schema`, nil, func(r dialect.Rows) error {
			return r.Scan(&n)
		})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			dbs = slices.Delete(dbs, i, i+1)
		}
	}
	return dbs, nil
}

// Tables returns the schema's tables, sorted by name, without SQLite's own
// (sqlite_sequence, sqlite_stat1, ...). Virtual tables and the tables
// that hold their data are included.
func (introspector) Tables(ctx context.Context, conn dialect.Conn, schema string) ([]string, error) {
	tables, err := names(ctx, conn, `SELECT name FROM `+catalog(schema)+
		` WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	return tables, schemaError(ctx, conn, schema, err)
}

// Views returns the schema's views, sorted by name.
func (introspector) Views(ctx context.Context, conn dialect.Conn, schema string) ([]string, error) {
	views, err := names(ctx, conn, `SELECT name FROM `+catalog(schema)+` WHERE type = 'view' ORDER BY name`)
	return views, schemaError(ctx, conn, schema, err)
}

// ViewDefinition returns the query of a view as its CREATE VIEW writes
// it. A table is not a view: asking for one fails with ErrNoSuchTable.
func (introspector) ViewDefinition(ctx context.Context, conn dialect.Conn, schema, view string) (string, error) {
	e, err := lookup(ctx, conn, schema, view, true)
	if err != nil {
		return "", err
	}
	return parseCreateView(e.sql), nil
}

// Columns returns a table's or view's columns, the generated ones
// included and the hidden columns of virtual tables left out.
//
// A column is not Nullable if it is declared NOT NULL or is the table's
// rowid (its INTEGER PRIMARY KEY). Other primary key columns of rowid
// tables accept NULL in SQLite, unless declared NOT NULL.
//
// Identity is set only for an INTEGER PRIMARY KEY AUTOINCREMENT column.
// Any INTEGER PRIMARY KEY is the rowid, which SQLite assigns when an
// insert leaves it out, but it may reuse the largest one after a delete;
// AUTOINCREMENT never reuses a value, and is what ore writes for identity
// columns, so it is what a round trip must find again.
func (introspector) Columns(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.ColumnInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil {
		return nil, err
	}
	cols, err := tableColumns(ctx, conn, e)
	if err != nil {
		return nil, err
	}
	rowid, err := rowidColumn(ctx, conn, e, cols)
	if err != nil {
		return nil, err
	}
	autoinc := rowid != "" && parseCreateTable(e.sql).autoincrement
	infos := make([]dialect.ColumnInfo, 0, len(cols))
	for _, c := range cols {
		if c.hidden == 1 {
			continue // 2 and 3 are generated columns
		}
		infos = append(infos, dialect.ColumnInfo{
			Name:     c.name,
			DBType:   c.typ,
			Type:     columnType(c.typ),
			Nullable: !c.notNull && c.name != rowid,
			Default:  c.dflt,
			Identity: autoinc && c.name == rowid,
		})
	}
	return infos, nil
}

// PrimaryKey returns a table's primary key, with the name its CREATE
// TABLE gives it (SQLite itself keeps none).
func (introspector) PrimaryKey(ctx context.Context, conn dialect.Conn, schema, table string) (dialect.PrimaryKeyInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil {
		return dialect.PrimaryKeyInfo{}, err
	}
	cols, err := tableColumns(ctx, conn, e)
	if err != nil {
		return dialect.PrimaryKeyInfo{}, err
	}
	pk := dialect.PrimaryKeyInfo{Columns: keyColumns(cols)}
	if len(pk.Columns) > 0 {
		pk.Name = parseCreateTable(e.sql).pkName
	}
	return pk, nil
}

// ForeignKeys returns a table's foreign keys in the order its CREATE TABLE
// declares them, with the names it gives them. A foreign key written
// without the referred columns refers to the referred table's primary
// key, whose columns RefColumns then lists (nil if that table does not
// exist). Names of referred tables and columns are spelled as the referred
// table declares them where it exists.
func (introspector) ForeignKeys(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.ForeignKeyInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil {
		return nil, err
	}
	type fk struct {
		id      int64
		written string // the referred table, as the constraint writes it
		info    dialect.ForeignKeyInfo
		noRef   bool // no referred columns written
		pos     int  // the declaration's position among the table's foreign keys
	}
	var fks []*fk
	err = query(ctx, conn, `SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq`,
		[]any{e.name, e.schema}, func(r dialect.Rows) error {
			var (
				id                  int64
				ref, from, upd, del string
				to                  *string
			)
			if err := r.Scan(&id, &ref, &from, &to, &upd, &del); err != nil {
				return err
			}
			if len(fks) == 0 || fks[len(fks)-1].id != id {
				fks = append(fks, &fk{id: id, written: ref, info: dialect.ForeignKeyInfo{
					RefTable: ref, OnDelete: fkAction(del), OnUpdate: fkAction(upd),
				}})
			}
			f := fks[len(fks)-1]
			f.info.Columns = append(f.info.Columns, from)
			if to == nil {
				f.noRef = true
			} else {
				f.info.RefColumns = append(f.info.RefColumns, *to)
			}
			return nil
		})
	if err != nil || len(fks) == 0 {
		return nil, err
	}

	for _, f := range fks {
		ref, err := lookup(ctx, conn, e.schema, f.written, false)
		if errors.Is(err, dialect.ErrNoSuchTable) {
			continue // SQLite lets a foreign key refer to a table yet to come
		}
		if err != nil {
			return nil, err
		}
		refCols, err := tableColumns(ctx, conn, ref)
		if err != nil {
			return nil, err
		}
		f.info.RefTable = ref.name
		if f.noRef {
			f.info.RefColumns = keyColumns(refCols)
			continue
		}
		for i, name := range f.info.RefColumns {
			if j := slices.IndexFunc(refCols, func(c xinfoColumn) bool { return strings.EqualFold(c.name, name) }); j >= 0 {
				f.info.RefColumns[i] = refCols[j].name
			}
		}
	}

	// SQLite numbers foreign keys from the last declared; match them to
	// the declarations, in declaration order, by columns and referred
	// table.
	decl := parseCreateTable(e.sql).foreignKeys
	used := make([]bool, len(decl))
	slices.SortFunc(fks, func(a, b *fk) int { return cmp.Compare(b.id, a.id) })
	for i, f := range fks {
		f.pos = len(decl) + i
		for j, d := range decl {
			if !used[j] && strings.EqualFold(d.refTable, f.written) && equalNames(d.columns, f.info.Columns) {
				used[j], f.pos, f.info.Name = true, j, d.name
				break
			}
		}
	}
	slices.SortStableFunc(fks, func(a, b *fk) int { return cmp.Compare(a.pos, b.pos) })
	infos := make([]dialect.ForeignKeyInfo, len(fks))
	for i, f := range fks {
		infos[i] = f.info
	}
	return infos, nil
}

// Indexes returns a table's indexes sorted by name, those of its unique
// constraints included (named sqlite_autoindex_table_N by SQLite), its
// primary key's left out. The text of an expression key and of a partial
// index's condition is as the CREATE INDEX writes it; ASC and DESC are
// not reported.
func (introspector) Indexes(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.IndexInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil {
		return nil, err
	}
	infos, err := indexes(ctx, conn, e)
	slices.SortFunc(infos, func(a, b dialect.IndexInfo) int { return strings.Compare(a.Name, b.Name) })
	return infos, err
}

// UniqueConstraints returns a table's unique constraints in the order its
// CREATE TABLE declares them, with the names it gives them. SQLite keeps
// one index for identical constraints, so they are reported once, with
// the first one's name.
func (introspector) UniqueConstraints(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.UniqueInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil {
		return nil, err
	}
	ixs, err := indexes(ctx, conn, e)
	if err != nil {
		return nil, err
	}
	decl := parseCreateTable(e.sql).uniques
	used := make([]bool, len(decl))
	type unique struct {
		info dialect.UniqueInfo
		pos  int
	}
	var us []unique
	for _, ix := range ixs {
		if !ix.Constraint {
			continue
		}
		u := unique{info: dialect.UniqueInfo{Columns: ix.Columns}, pos: len(decl) + len(us)}
		for j, d := range decl {
			if !used[j] && equalNames(d.columns, ix.Columns) {
				used[j], u.pos, u.info.Name = true, j, d.name
				break
			}
		}
		us = append(us, u)
	}
	slices.SortStableFunc(us, func(a, b unique) int { return cmp.Compare(a.pos, b.pos) })
	var infos []dialect.UniqueInfo
	for _, u := range us {
		infos = append(infos, u.info)
	}
	return infos, nil
}

// CheckConstraints returns a table's column and table check constraints
// in the order its CREATE TABLE writes them, each condition as written.
func (introspector) CheckConstraints(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.CheckInfo, error) {
	e, err := lookup(ctx, conn, schema, table, false)
	if err != nil || e.typ != "table" {
		return nil, err
	}
	var infos []dialect.CheckInfo
	for _, c := range parseCreateTable(e.sql).checks {
		infos = append(infos, dialect.CheckInfo{Name: c.name, Expr: c.expr})
	}
	return infos, nil
}

// ----------------------------------------------------------------------------
// Queries

// query runs sql and calls row for each of its rows.
func query(ctx context.Context, conn dialect.Conn, sql string, args []any, row func(dialect.Rows) error) error {
	rows, err := conn.Query(ctx, sql, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// names returns the one text column of sql's rows.
func names(ctx context.Context, conn dialect.Conn, sql string, args ...any) ([]string, error) {
	var names []string
	err := query(ctx, conn, sql, args, func(r dialect.Rows) error {
		var name string
		err := r.Scan(&name)
		names = append(names, name)
		return err
	})
	return names, err
}

// schemaName returns the database name of schema.
func schemaName(schema string) string {
	if schema == "" {
		return "main"
	}
	return schema
}

// catalog returns the quoted name of schema's sqlite_schema table. A
// schema qualifier cannot be a parameter.
func catalog(schema string) string {
	return string(Dialect{}.AppendIdent(nil, schemaName(schema))) + ".sqlite_schema"
}

// schemaError returns err, which a query of schema's catalog returned,
// saying so if the reason is that the schema does not exist: SQLite's own
// message would speak of a missing table schema.sqlite_schema.
func schemaError(ctx context.Context, conn dialect.Conn, schema string, err error) error {
	if err == nil {
		return nil
	}
	dbs, err2 := names(ctx, conn, `SELECT name FROM pragma_database_list`)
	if err2 == nil && !slices.ContainsFunc(dbs, func(db string) bool { return strings.EqualFold(db, schemaName(schema)) }) {
		return fmt.Errorf("sqlite: no such schema %q: %w", schema, err)
	}
	return err
}

// entry is a table or view of sqlite_schema.
type entry struct {
	schema string // the database name, never ""
	name   string // as the table declares it
	typ    string // "table" or "view"
	sql    string // its CREATE statement
}

// lookup finds the table or view (only the view if view is set) named
// name, in any letter case as SQLite does, or fails with ErrNoSuchTable.
func lookup(ctx context.Context, conn dialect.Conn, schema, name string, view bool) (entry, error) {
	e := entry{schema: schemaName(schema)}
	types := `('table', 'view')`
	if view {
		types = `('view')`
	}
	found := false
	err := query(ctx, conn, `SELECT name, type, coalesce(sql, '') FROM `+catalog(schema)+
		` WHERE name = ? COLLATE NOCASE AND type IN `+types, []any{name}, func(r dialect.Rows) error {
		found = true
		return r.Scan(&e.name, &e.typ, &e.sql)
	})
	if err != nil {
		return entry{}, schemaError(ctx, conn, schema, err)
	}
	if !found {
		if e.schema != "main" {
			return entry{}, fmt.Errorf("sqlite: %w: %q in schema %q", dialect.ErrNoSuchTable, name, e.schema)
		}
		return entry{}, fmt.Errorf("sqlite: %w: %q", dialect.ErrNoSuchTable, name)
	}
	return e, nil
}

// xinfoColumn is a row of pragma_table_xinfo.
type xinfoColumn struct {
	name, typ, dflt string
	notNull         bool
	pk              int64 // position in the primary key, from 1; 0 if not in it
	hidden          int64 // 1: hidden column of a virtual table; 2, 3: generated column
}

func tableColumns(ctx context.Context, conn dialect.Conn, e entry) ([]xinfoColumn, error) {
	var cols []xinfoColumn
	err := query(ctx, conn, `SELECT name, type, "notnull", coalesce(dflt_value, ''), pk, hidden FROM pragma_table_xinfo(?, ?) ORDER BY cid`,
		[]any{e.name, e.schema}, func(r dialect.Rows) error {
			var c xinfoColumn
			var notNull int64
			err := r.Scan(&c.name, &c.typ, &notNull, &c.dflt, &c.pk, &c.hidden)
			c.notNull = notNull != 0
			cols = append(cols, c)
			return err
		})
	return cols, err
}

// keyColumns returns the primary key's columns in key order.
func keyColumns(cols []xinfoColumn) []string {
	var key []xinfoColumn
	for _, c := range cols {
		if c.pk > 0 {
			key = append(key, c)
		}
	}
	slices.SortFunc(key, func(a, b xinfoColumn) int { return cmp.Compare(a.pk, b.pk) })
	var names []string
	for _, c := range key {
		names = append(names, c.name)
	}
	return names
}

// rowidColumn returns the column that is e's rowid, or "" if it has none.
func rowidColumn(ctx context.Context, conn dialect.Conn, e entry, cols []xinfoColumn) (string, error) {
	key := keyColumns(cols)
	if e.typ != "table" || len(key) != 1 || isVirtualTable(e.sql) {
		return "", nil
	}
	i := slices.IndexFunc(cols, func(c xinfoColumn) bool { return c.name == key[0] })
	if !strings.EqualFold(cols[i].typ, "INTEGER") {
		return "", nil
	}
	// SQLite makes an index for every primary key but the rowid: so
	// "INTEGER PRIMARY KEY DESC" written on the column (an old quirk) and
	// the key of a WITHOUT ROWID table have one.
	ixs, err := indexList(ctx, conn, e)
	if err != nil {
		return "", err
	}
	for _, ix := range ixs {
		if ix.origin == "pk" {
			return "", nil
		}
	}
	return key[0], nil
}

// indexListRow is a row of pragma_index_list.
type indexListRow struct {
	name    string
	unique  bool
	origin  string // "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
	partial bool
}

func indexList(ctx context.Context, conn dialect.Conn, e entry) ([]indexListRow, error) {
	var ixs []indexListRow
	err := query(ctx, conn, `SELECT name, "unique", origin, partial FROM pragma_index_list(?, ?)`,
		[]any{e.name, e.schema}, func(r dialect.Rows) error {
			var ix indexListRow
			var unique, partial int64
			err := r.Scan(&ix.name, &unique, &ix.origin, &partial)
			ix.unique, ix.partial = unique != 0, partial != 0
			ixs = append(ixs, ix)
			return err
		})
	return ixs, err
}

// indexes returns e's indexes but its primary key's, in SQLite's order.
func indexes(ctx context.Context, conn dialect.Conn, e entry) ([]dialect.IndexInfo, error) {
	list, err := indexList(ctx, conn, e)
	if err != nil {
		return nil, err
	}
	var infos []dialect.IndexInfo
	for _, ix := range list {
		if ix.origin == "pk" {
			continue
		}
		info := dialect.IndexInfo{Name: ix.name, Unique: ix.unique, Constraint: ix.origin == "u"}
		exprs := false
		err := query(ctx, conn, `SELECT cid, coalesce(name, '') FROM pragma_index_xinfo(?, ?) WHERE key ORDER BY seqno`,
			[]any{ix.name, e.schema}, func(r dialect.Rows) error {
				var cid int64
				var name string
				err := r.Scan(&cid, &name)
				if cid < 0 {
					name, exprs = "", true // -2: an expression; -1: the rowid
				}
				info.Columns = append(info.Columns, name)
				return err
			})
		if err != nil {
			return nil, err
		}
		if exprs || ix.partial {
			if err := indexText(ctx, conn, e.schema, &info, exprs); err != nil {
				return nil, err
			}
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// indexText sets info's Expressions (if exprs) and Predicate from its
// CREATE INDEX.
func indexText(ctx context.Context, conn dialect.Conn, schema string, info *dialect.IndexInfo, exprs bool) error {
	sql, err := names(ctx, conn, `SELECT coalesce(sql, '') FROM `+catalog(schema)+` WHERE type = 'index' AND name = ?`, info.Name)
	if err != nil {
		return err
	}
	if len(sql) == 0 {
		return fmt.Errorf("sqlite: index %q vanished", info.Name)
	}
	keys, where, ok := parseCreateIndex(sql[0])
	if !ok || len(keys) != len(info.Columns) {
		return fmt.Errorf("sqlite: index %q: cannot read its keys from %q", info.Name, sql[0])
	}
	info.Predicate = where
	if exprs {
		info.Expressions = make([]string, len(keys))
		for i, col := range info.Columns {
			if col == "" {
				info.Expressions[i] = keys[i]
			}
		}
	}
	return nil
}

// ----------------------------------------------------------------------------
// Types and names

// columnType returns the type kind a declared type names: the names
// Dialect.ColumnType writes and their usual synonyms, in any letter case.
// Any other declaration, or one with a size where the kind takes none, is
// TypeNamed with the declaration as Name.
func columnType(decl string) compile.Type {
	named := compile.Type{Kind: compile.TypeNamed, Name: decl}
	base := strings.ToUpper(strings.TrimSpace(decl))
	var nums []int
	if i := strings.IndexByte(base, '('); i >= 0 {
		if !strings.HasSuffix(base, ")") {
			return named
		}
		args := base[i+1 : len(base)-1]
		base = base[:i]
		for a := range strings.SplitSeq(args, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil || n < 0 {
				return named
			}
			nums = append(nums, n)
		}
	}
	base = strings.Join(strings.Fields(base), " ")
	t := compile.Type{}
	maxArgs := 0
	switch base {
	case "INTEGER", "BIGINT":
		t.Kind = compile.TypeBigInt
	case "INT":
		t.Kind = compile.TypeInt
	case "SMALLINT", "TINYINT":
		t.Kind = compile.TypeSmallInt
	case "BOOLEAN", "BOOL":
		t.Kind = compile.TypeBool
	case "REAL", "FLOAT":
		t.Kind = compile.TypeReal
	case "DOUBLE", "DOUBLE PRECISION":
		t.Kind = compile.TypeDouble
	case "NUMERIC", "DECIMAL":
		t.Kind, maxArgs = compile.TypeNumeric, 2
		if len(nums) > 0 {
			t.Precision = nums[0]
		}
		if len(nums) > 1 {
			t.Scale = nums[1]
		}
	case "TEXT", "CLOB":
		t.Kind = compile.TypeText
	case "VARCHAR", "NVARCHAR", "CHARACTER VARYING":
		t.Kind, maxArgs = compile.TypeVarchar, 1
		if len(nums) > 0 {
			t.Length = nums[0]
		}
	case "BLOB":
		t.Kind = compile.TypeBytes
	case "DATE":
		t.Kind = compile.TypeDate
	case "TIME":
		t.Kind = compile.TypeTime
	case "TIMESTAMP", "DATETIME":
		t.Kind = compile.TypeTimestamp
	case "TIMESTAMPTZ":
		t.Kind = compile.TypeTimestampTZ
	case "UUID":
		t.Kind = compile.TypeUUID
	case "JSON":
		t.Kind = compile.TypeJSON
	default:
		return named
	}
	if len(nums) > maxArgs {
		return named
	}
	return t
}

// fkAction returns the action pragma_foreign_key_list writes as a.
func fkAction(a string) compile.FKAction {
	switch a {
	case "RESTRICT":
		return compile.FKRestrict
	case "CASCADE":
		return compile.FKCascade
	case "SET NULL":
		return compile.FKSetNull
	case "SET DEFAULT":
		return compile.FKSetDefault
	}
	return compile.FKNoAction
}

// equalNames reports whether a and b name the same columns, in SQLite's
// case-insensitive way.
func equalNames(a, b []string) bool {
	return slices.EqualFunc(a, b, strings.EqualFold)
}
