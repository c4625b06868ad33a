package ore

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ore-go/ore/compile"
)

// ----------------------------------------------------------------------------
// Constraints

// Constraint is a table constraint or index that a column tag cannot
// express: a composite primary key, a foreign key, a unique constraint on
// several columns, a check, an index. A table declares them with an
// optional method on its struct, which ore calls when it needs them (to
// create the table, say), so that they may refer to tables declared later:
//
//	func (t *postsTable) Constraints() []ore.Constraint {
//		return []ore.Constraint{
//			ore.ForeignKey(t.UserID).References(Users.ID).OnDelete(ore.Cascade),
//			ore.Unique(t.UserID, t.Slug),
//			ore.Check(t.Views.Ge(0)),
//			ore.Index(t.PublishedAt).Where(t.PublishedAt.IsNotNull()),
//		}
//	}
type Constraint interface {
	addTo(spec *TableSpec, t *Table) error
}

// FKAction is what a foreign key does when the row it refers to is deleted
// or its key updated.
type FKAction = compile.FKAction

// The foreign key actions.
const (
	NoAction   = compile.FKNoAction
	Restrict   = compile.FKRestrict
	Cascade    = compile.FKCascade
	SetNull    = compile.FKSetNull
	SetDefault = compile.FKSetDefault
)

// TableSpec is a table's whole declaration: columns, keys, constraints and
// indexes. It is what DDL is made from and what reflection produces.
type TableSpec struct {
	Columns     []*ColumnDef
	PrimaryKey  []string // primary key columns, in key order
	PKName      string   // or ""
	ForeignKeys []ForeignKeyDef
	Uniques     []UniqueDef
	Checks      []CheckDef
	Indexes     []IndexDef
}

// ForeignKeyDef declares a foreign key. Make one with [ForeignKey].
type ForeignKeyDef struct {
	Name       string // or "" for the database's choice
	Columns    []string
	RefSchema  string // or "" for the table's own schema
	RefTable   string
	RefColumns []string
	Delete     FKAction // ON DELETE
	Update     FKAction // ON UPDATE

	cols, refs []AnyColumn
}

// ForeignKey starts a foreign key on cols; complete it with References.
func ForeignKey(cols ...AnyColumn) ForeignKeyDef {
	return ForeignKeyDef{cols: cols}
}

// References returns the foreign key referring to cols (of one other
// table, or of the same table), in the order of the key's columns.
func (fk ForeignKeyDef) References(cols ...AnyColumn) ForeignKeyDef {
	fk.refs = cols
	return fk
}

// OnDelete returns the foreign key with action a on delete.
func (fk ForeignKeyDef) OnDelete(a FKAction) ForeignKeyDef { fk.Delete = a; return fk }

// OnUpdate returns the foreign key with action a on update.
func (fk ForeignKeyDef) OnUpdate(a FKAction) ForeignKeyDef { fk.Update = a; return fk }

// Named returns the foreign key named name.
func (fk ForeignKeyDef) Named(name string) ForeignKeyDef { fk.Name = name; return fk }

func (fk ForeignKeyDef) addTo(spec *TableSpec, t *Table) error {
	if len(fk.cols) == 0 {
		return errors.New("foreign key with no columns")
	}
	if len(fk.refs) != len(fk.cols) {
		return fmt.Errorf("foreign key on %s refers to %d columns", columnNames(fk.cols), len(fk.refs))
	}
	var err error
	if fk.Columns, err = ownColumns(t, fk.cols, "foreign key"); err != nil {
		return err
	}
	ref, err := tableOfColumns(fk.refs)
	if err != nil {
		return fmt.Errorf("foreign key on %s: %w", columnNames(fk.cols), err)
	}
	fk.RefSchema, fk.RefTable = ref.Schema, ref.Name
	if fk.RefSchema == t.Schema() {
		// As reflection says it, so that both describe the key alike.
		fk.RefSchema = ""
	}
	fk.RefColumns = columnNames(fk.refs)
	spec.ForeignKeys = append(spec.ForeignKeys, fk)
	return nil
}

// UniqueDef declares a unique constraint. Make one with [Unique].
type UniqueDef struct {
	Name    string
	Columns []string
	cols    []AnyColumn
}

// Unique returns a unique constraint on cols together.
func Unique(cols ...AnyColumn) UniqueDef { return UniqueDef{cols: cols} }

// Named returns the constraint named name.
func (u UniqueDef) Named(name string) UniqueDef { u.Name = name; return u }

func (u UniqueDef) addTo(spec *TableSpec, t *Table) error {
	var err error
	if u.Columns, err = ownColumns(t, u.cols, "unique constraint"); err != nil {
		return err
	}
	spec.Uniques = append(spec.Uniques, u)
	return nil
}

// CheckDef declares a check constraint. Make one with [Check] or
// [CheckSQL].
type CheckDef struct {
	Name string
	Cond compile.Expr // written with its values as literals
}

// Check returns the check constraint cond, on columns of the table that
// declares it. Values in cond become literals in the table's DDL.
func Check(cond Expr[bool]) CheckDef { return CheckDef{Cond: nodeOf(cond)} }

// CheckSQL returns a check constraint given as SQL text. The text takes no
// arguments: a "?" in it is the character itself (in a string literal, or
// PostgreSQL's jsonb operator), not a placeholder as in [Raw].
func CheckSQL(sql string) CheckDef { return CheckDef{Cond: sqlText(sql)} }

// sqlText returns SQL text as a raw node without placeholders, each "?"
// doubled so that the compiler writes it as itself.
func sqlText(sql string) *compile.Raw {
	return &compile.Raw{SQL: strings.ReplaceAll(sql, "?", "??")}
}

// Named returns the constraint named name.
func (c CheckDef) Named(name string) CheckDef { c.Name = name; return c }

func (c CheckDef) addTo(spec *TableSpec, t *Table) error {
	spec.Checks = append(spec.Checks, c)
	return nil
}

// IndexDef declares an index. Make one with [Index].
type IndexDef struct {
	Name      string
	Exprs     []compile.Expr // columns or expressions
	Unique    bool
	Predicate compile.Expr // partial index predicate; or nil
}

// Index returns an index on exprs: columns, or expressions of them
// (ore.Lower(t.Email)). Unnamed, it is named table_col1_col2_idx, with
// "expr" for an expression, shortened to 63 bytes (PostgreSQL's limit),
// and numbered as PostgreSQL numbers its own (table_expr_idx1) if the
// table has an index of that name already.
func Index(exprs ...Selectable) IndexDef { return IndexDef{Exprs: nodesOf(exprs)} }

// UniqueIndex returns a unique index on exprs.
func UniqueIndex(exprs ...Selectable) IndexDef {
	return IndexDef{Exprs: nodesOf(exprs), Unique: true}
}

// Named returns the index named name.
func (ix IndexDef) Named(name string) IndexDef { ix.Name = name; return ix }

// Where returns the index as a partial index over the rows where cond
// holds.
func (ix IndexDef) Where(cond Expr[bool]) IndexDef { ix.Predicate = nodeOf(cond); return ix }

func (ix IndexDef) addTo(spec *TableSpec, t *Table) error {
	if len(ix.Exprs) == 0 {
		return errors.New("index with no columns")
	}
	if ix.Name == "" {
		parts := []string{t.Name()}
		for _, e := range ix.Exprs {
			if n := outputName(e); n != "" {
				parts = append(parts, n)
			} else {
				parts = append(parts, "expr")
			}
		}
		ix.Name = spec.indexName(strings.Join(parts, "_"))
	}
	spec.Indexes = append(spec.Indexes, ix)
	return nil
}

// indexName returns a name for a new index of the table: base_idx, or
// base_idxN if the table has an index of that name.
func (spec *TableSpec) indexName(base string) string {
	return generatedName(base, "idx", func(name string) bool {
		return slices.ContainsFunc(spec.Indexes, func(ix IndexDef) bool { return ix.Name == name })
	})
}

// maxNameLen is the longest name ore makes up for an index or a
// constraint: PostgreSQL's limit (NAMEDATALEN-1), the strictest of the
// databases.
const maxNameLen = 63

// generatedName returns base_suffix, with base shortened so that the name
// fits maxNameLen, and with a number after the suffix if taken (which may
// be nil) reports the name in use: base_suffix1, base_suffix2, ...
func generatedName(base, suffix string, taken func(string) bool) string {
	for n := 0; ; n++ {
		end := "_" + suffix
		if n > 0 {
			end += strconv.Itoa(n)
		}
		b := base
		if len(b)+len(end) > maxNameLen {
			cut := maxNameLen - len(end)
			for cut > 0 && !utf8.RuneStart(b[cut]) {
				cut--
			}
			b = b[:cut]
		}
		if name := b + end; taken == nil || !taken(name) {
			return name
		}
	}
}

// PrimaryKey returns a primary key on cols, in key order: for composite keys
// whose order differs from the columns', or to name the key.
func PrimaryKey(cols ...AnyColumn) PrimaryKeyDef { return PrimaryKeyDef{cols: cols} }

// PrimaryKeyDef declares a primary key. Make one with [PrimaryKey].
type PrimaryKeyDef struct {
	name string
	cols []AnyColumn
}

// Named returns the primary key named name.
func (pk PrimaryKeyDef) Named(name string) PrimaryKeyDef { pk.name = name; return pk }

func (pk PrimaryKeyDef) addTo(spec *TableSpec, t *Table) error {
	cols, err := ownColumns(t, pk.cols, "primary key")
	if err != nil {
		return err
	}
	if len(spec.PrimaryKey) > 0 && !slices.Equal(sortedCopy(spec.PrimaryKey), sortedCopy(cols)) {
		return fmt.Errorf("primary key %v, but the columns tagged pk are %v", cols, spec.PrimaryKey)
	}
	spec.PrimaryKey, spec.PKName = cols, pk.name
	for _, def := range spec.Columns {
		def.PrimaryKey = slices.Contains(cols, def.Name)
	}
	return nil
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func columnNames(cols []AnyColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if !isNil(c) {
			out[i] = c.Name()
		}
	}
	return out
}

// ownColumns checks that cols are bound columns of t and returns their
// names.
func ownColumns(t *Table, cols []AnyColumn, what string) ([]string, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s with no columns", what)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		if isNil(c) || c.Def() == nil {
			return nil, fmt.Errorf("%s: nil or unbound column", what)
		}
		if t.Column(c.Name()) == nil {
			return nil, fmt.Errorf("%s: %q is not a column of %q", what, c.Name(), t.Name())
		}
		names[i] = c.Name()
	}
	return names, nil
}

// tableOfColumns returns the one table cols belong to.
func tableOfColumns(cols []AnyColumn) (*compile.Table, error) {
	var t *compile.Table
	for _, c := range cols {
		if isNil(c) {
			return nil, errors.New("nil column")
		}
		col, ok := c.Node().(*compile.Column)
		if !ok || col.Table == nil {
			return nil, errors.New("unbound column")
		}
		if t != nil && (t.Name != col.Table.Name || t.Schema != col.Table.Schema) {
			return nil, fmt.Errorf("columns of two tables, %q and %q", t.Name, col.Table.Name)
		}
		t = col.Table
	}
	return t, nil
}

// constrained is implemented by table structs that declare constraints.
type constrained interface {
	Constraints() []Constraint
}

// Spec returns the table's whole declaration: its columns from their tags,
// and the constraints and indexes from the struct's Constraints method, if
// it has one. Reflected tables return what reflection found.
func (t *Table) Spec() (*TableSpec, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.spec != nil {
		return t.spec, nil
	}
	spec := &TableSpec{}
	for _, c := range t.columns {
		def := *c.Def()
		spec.Columns = append(spec.Columns, &def)
		if def.PrimaryKey {
			spec.PrimaryKey = append(spec.PrimaryKey, def.Name)
		}
		if def.Unique {
			spec.Uniques = append(spec.Uniques, UniqueDef{Columns: []string{def.Name}})
		}
		if def.Index {
			spec.Indexes = append(spec.Indexes, IndexDef{
				Name:  spec.indexName(t.Name() + "_" + def.Name),
				Exprs: []compile.Expr{&compile.Column{Name: def.Name}},
			})
		}
	}
	if owner, ok := t.owner.(constrained); ok {
		for _, c := range owner.Constraints() {
			if isNil(c) {
				return nil, fmt.Errorf("ore: table %q: nil constraint", t.Name())
			}
			if err := c.addTo(spec, t); err != nil {
				return nil, fmt.Errorf("ore: table %q: %w", t.Name(), err)
			}
		}
	}
	return spec, nil
}
