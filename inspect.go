package ore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// Inspector reads a live database's schema: schemas, tables, views,
// columns, keys, indexes and constraints. Results are cached per Inspector;
// make a new one (or call ClearCache) to see later changes. It is safe for
// concurrent use.
//
// Schema "" means the connection's default schema (public on PostgreSQL,
// main on SQLite).
type Inspector struct {
	db *DB
	in dialect.Introspector

	mu    sync.Mutex
	cache map[inspectKey]any
}

type inspectKey struct {
	what, schema, name string
}

// ErrNoSuchTable is matched by the errors an Inspector returns for a table
// that does not exist.
var ErrNoSuchTable = dialect.ErrNoSuchTable

// Inspect returns an Inspector for db.
func Inspect(ctx context.Context, db *DB) (*Inspector, error) {
	d, ok := db.drv.(dialect.InspectingDriver)
	if !ok {
		return nil, fmt.Errorf("ore: Inspect: the %s driver cannot inspect schemas", db.dialect.Name())
	}
	return &Inspector{db: db, in: d.Introspector(), cache: map[inspectKey]any{}}, nil
}

// ClearCache forgets every result, so that the next calls read the
// database again.
func (in *Inspector) ClearCache() {
	in.mu.Lock()
	clear(in.cache)
	in.mu.Unlock()
}

// cached returns the result of load for key, calling it (on a pooled
// connection) only the first time.
func cached[T any](ctx context.Context, in *Inspector, key inspectKey, load func(context.Context, dialect.Conn) (T, error)) (T, error) {
	in.mu.Lock()
	v, ok := in.cache[key]
	in.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	var zero T
	l, err := in.db.acquire(ctx)
	if err != nil {
		return zero, err
	}
	r, err := load(ctx, l.conn)
	in.db.release(l, err)
	if err != nil {
		if key.name != "" {
			return zero, fmt.Errorf("ore: inspect %s of %q: %w", key.what, key.name, err)
		}
		return zero, fmt.Errorf("ore: inspect %s: %w", key.what, err)
	}
	in.mu.Lock()
	in.cache[key] = r
	in.mu.Unlock()
	return r, nil
}

// DefaultSchema returns the schema unqualified names refer to.
func (in *Inspector) DefaultSchema(ctx context.Context) (string, error) {
	return cached(ctx, in, inspectKey{what: "default schema"}, in.in.DefaultSchema)
}

// Schemas returns the database's schemas.
func (in *Inspector) Schemas(ctx context.Context) ([]string, error) {
	return cached(ctx, in, inspectKey{what: "schemas"}, in.in.Schemas)
}

// Tables returns the schema's tables (not views), sorted by name.
func (in *Inspector) Tables(ctx context.Context, schema string) ([]string, error) {
	return cached(ctx, in, inspectKey{"tables", schema, ""}, func(ctx context.Context, c dialect.Conn) ([]string, error) {
		return in.in.Tables(ctx, c, schema)
	})
}

// Views returns the schema's views, sorted by name.
func (in *Inspector) Views(ctx context.Context, schema string) ([]string, error) {
	return cached(ctx, in, inspectKey{"views", schema, ""}, func(ctx context.Context, c dialect.Conn) ([]string, error) {
		return in.in.Views(ctx, c, schema)
	})
}

// ViewDefinition returns the SQL of a view's query.
func (in *Inspector) ViewDefinition(ctx context.Context, schema, view string) (string, error) {
	return cached(ctx, in, inspectKey{"view definition", schema, view}, func(ctx context.Context, c dialect.Conn) (string, error) {
		return in.in.ViewDefinition(ctx, c, schema, view)
	})
}

// HasTable reports whether the schema has a table named table.
func (in *Inspector) HasTable(ctx context.Context, schema, table string) (bool, error) {
	tables, err := in.Tables(ctx, schema)
	return slices.Contains(tables, table), err
}

// Columns returns a table's or view's columns, in order.
func (in *Inspector) Columns(ctx context.Context, schema, table string) ([]dialect.ColumnInfo, error) {
	return cached(ctx, in, inspectKey{"columns", schema, table}, func(ctx context.Context, c dialect.Conn) ([]dialect.ColumnInfo, error) {
		return in.in.Columns(ctx, c, schema, table)
	})
}

// PrimaryKey returns a table's primary key; its Columns are empty if it
// has none.
func (in *Inspector) PrimaryKey(ctx context.Context, schema, table string) (dialect.PrimaryKeyInfo, error) {
	return cached(ctx, in, inspectKey{"primary key", schema, table}, func(ctx context.Context, c dialect.Conn) (dialect.PrimaryKeyInfo, error) {
		return in.in.PrimaryKey(ctx, c, schema, table)
	})
}

// ForeignKeys returns a table's foreign keys.
func (in *Inspector) ForeignKeys(ctx context.Context, schema, table string) ([]dialect.ForeignKeyInfo, error) {
	return cached(ctx, in, inspectKey{"foreign keys", schema, table}, func(ctx context.Context, c dialect.Conn) ([]dialect.ForeignKeyInfo, error) {
		return in.in.ForeignKeys(ctx, c, schema, table)
	})
}

// Indexes returns a table's indexes, except its primary key's.
func (in *Inspector) Indexes(ctx context.Context, schema, table string) ([]dialect.IndexInfo, error) {
	return cached(ctx, in, inspectKey{"indexes", schema, table}, func(ctx context.Context, c dialect.Conn) ([]dialect.IndexInfo, error) {
		return in.in.Indexes(ctx, c, schema, table)
	})
}

// UniqueConstraints returns a table's unique constraints.
func (in *Inspector) UniqueConstraints(ctx context.Context, schema, table string) ([]dialect.UniqueInfo, error) {
	return cached(ctx, in, inspectKey{"unique constraints", schema, table}, func(ctx context.Context, c dialect.Conn) ([]dialect.UniqueInfo, error) {
		return in.in.UniqueConstraints(ctx, c, schema, table)
	})
}

// CheckConstraints returns a table's check constraints.
func (in *Inspector) CheckConstraints(ctx context.Context, schema, table string) ([]dialect.CheckInfo, error) {
	return cached(ctx, in, inspectKey{"check constraints", schema, table}, func(ctx context.Context, c dialect.Conn) ([]dialect.CheckInfo, error) {
		return in.in.CheckConstraints(ctx, c, schema, table)
	})
}

// SortedTables returns the schema's tables in creation order: each after
// the tables its foreign keys refer to, ties broken by name. Foreign keys
// that form cycles are returned per table in cycles.
func (in *Inspector) SortedTables(ctx context.Context, schema string) (sorted []string, cycles map[string][]dialect.ForeignKeyInfo, err error) {
	m := NewMetaData()
	if err := m.reflectWith(ctx, in, ReflectOptions{Schema: schema}); err != nil {
		return nil, nil, err
	}
	tables, cyc, err := m.SortedTables()
	if err != nil {
		return nil, nil, err
	}
	cycles = map[string][]dialect.ForeignKeyInfo{}
	for _, t := range tables {
		sorted = append(sorted, t.Name())
		for _, fk := range cyc[t] {
			cycles[t.Name()] = append(cycles[t.Name()], dialect.ForeignKeyInfo{
				Name: fk.Name, Columns: fk.Columns, RefSchema: fk.RefSchema, RefTable: fk.RefTable,
				RefColumns: fk.RefColumns, OnDelete: fk.Delete, OnUpdate: fk.Update,
			})
		}
	}
	return sorted, cycles, nil
}

// ----------------------------------------------------------------------------
// Reflection

// ReflectOptions configure [MetaData.Reflect].
type ReflectOptions struct {
	// Schema is the schema to reflect; "" means the default one. Tables of
	// other schemas keep their schema in statements; the default one's are
	// unqualified.
	Schema string
	// Only restricts reflection to these tables; nil means all of them.
	Only []string
	// Views adds the schema's views, as tables without keys.
	Views bool
}

// Reflect reads tables from the live database db into m: their columns
// (as Col[any], reached with [Table.C]), primary keys, foreign keys,
// unique and check constraints and indexes. The tables work in ore's
// statements at once, and their [Table.Spec] describes them: checks,
// index expressions and predicates as [compile.Raw] nodes of the
// database's text, with every "?" doubled (the text takes no arguments),
// so that the tables can be created again elsewhere.
func (m *MetaData) Reflect(ctx context.Context, db *DB, opts ReflectOptions) error {
	in, err := Inspect(ctx, db)
	if err != nil {
		return err
	}
	return m.reflectWith(ctx, in, opts)
}

func (m *MetaData) reflectWith(ctx context.Context, in *Inspector, opts ReflectOptions) error {
	names, err := in.Tables(ctx, opts.Schema)
	if err != nil {
		return err
	}
	if opts.Views {
		views, err := in.Views(ctx, opts.Schema)
		if err != nil {
			return err
		}
		names = append(names, views...)
	}
	if opts.Only != nil {
		for _, want := range opts.Only {
			if !slices.Contains(names, want) {
				return fmt.Errorf("ore: reflect: %w: %q", ErrNoSuchTable, want)
			}
		}
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(opts.Only, n) })
	}
	for _, name := range names {
		t, err := reflectTable(ctx, in, opts.Schema, name)
		if err != nil {
			return err
		}
		m.Add(t)
	}
	return nil
}

// reflectTable builds the Table for one live table.
func reflectTable(ctx context.Context, in *Inspector, schema, name string) (*Table, error) {
	cols, err := in.Columns(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	pk, err := in.PrimaryKey(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	fks, err := in.ForeignKeys(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	uniques, err := in.UniqueConstraints(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	checks, err := in.CheckConstraints(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	indexes, err := in.Indexes(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	spec := &TableSpec{PrimaryKey: pk.Columns, PKName: pk.Name}
	for _, c := range cols {
		spec.Columns = append(spec.Columns, &ColumnDef{
			Name:       c.Name,
			GoType:     reflect.TypeFor[any](),
			Type:       c.Type,
			Nullable:   c.Nullable,
			PrimaryKey: slices.Contains(pk.Columns, c.Name),
			Identity:   c.Identity,
			Default:    c.Default,
		})
	}
	for _, fk := range fks {
		spec.ForeignKeys = append(spec.ForeignKeys, ForeignKeyDef{
			Name: fk.Name, Columns: fk.Columns, RefSchema: fk.RefSchema, RefTable: fk.RefTable,
			RefColumns: fk.RefColumns, Delete: fk.OnDelete, Update: fk.OnUpdate,
		})
	}
	for _, u := range uniques {
		spec.Uniques = append(spec.Uniques, UniqueDef{Name: u.Name, Columns: u.Columns})
	}
	for _, ch := range checks {
		spec.Checks = append(spec.Checks, CheckDef{Name: ch.Name, Cond: sqlText(ch.Expr)})
	}
	for _, ix := range indexes {
		if ix.Constraint {
			continue // listed as a unique constraint
		}
		def := IndexDef{Name: ix.Name, Unique: ix.Unique}
		for i, col := range ix.Columns {
			if col != "" {
				def.Exprs = append(def.Exprs, &compile.Column{Name: col})
			} else {
				def.Exprs = append(def.Exprs, sqlText(ix.Expressions[i]))
			}
		}
		if ix.Predicate != "" {
			def.Predicate = sqlText(ix.Predicate)
		}
		spec.Indexes = append(spec.Indexes, def)
	}
	return NewReflectedTable(schema, name, spec)
}

// NewReflectedTable returns a table described by spec rather than by a
// struct: what reflection makes, and what code that learns its schema at
// run time can make too. Its columns are Col[any]; reach them with
// [Table.C].
//
// The table keeps spec, which must not change afterwards. A spec with no
// columns, a nil or unnamed column or two columns of one name is an error.
func NewReflectedTable(schema, name string, spec *TableSpec) (*Table, error) {
	if name == "" {
		return nil, errors.New("ore: reflected table with no name")
	}
	if spec == nil || len(spec.Columns) == 0 {
		return nil, fmt.Errorf("ore: reflected table %q with no columns", name)
	}
	t := &Table{node: compile.Table{Schema: schema, Name: name}, spec: spec}
	for i, def := range spec.Columns {
		if def == nil || def.Name == "" {
			return nil, fmt.Errorf("ore: reflected table %q: column %d has no name", name, i)
		}
		if t.Column(def.Name) != nil {
			return nil, fmt.Errorf("ore: reflected table %q: two columns named %q", name, def.Name)
		}
		col := newColumn[any](&t.node, def)
		t.columns = append(t.columns, col)
	}
	return t, nil
}

// C returns the column name of t as a Col[any], whatever its declared
// type: the way to use reflected tables in statements. A missing column
// fails the statements that use it.
func (t *Table) C(name string) Col[any] {
	c := t.Column(name)
	if c == nil {
		return badCol[any](fmt.Errorf("ore: table %q has no column %q", t.Name(), name))
	}
	if ca, ok := c.(Col[any]); ok {
		return ca
	}
	return newColumn[any](&t.node, c.Def())
}
