package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect"
)

// schemaReport is what `ore inspect` reports, and its JSON form. Lists are
// never null in JSON; optional strings are left out when empty.
type schemaReport struct {
	Dialect string        `json:"dialect"`
	Schema  string        `json:"schema"`
	Tables  []tableReport `json:"tables"`
	Views   []viewReport  `json:"views"`
}

type tableReport struct {
	Name        string             `json:"name"`
	Columns     []columnReport     `json:"columns"`
	PrimaryKey  *primaryKeyReport  `json:"primary_key"` // or null
	ForeignKeys []foreignKeyReport `json:"foreign_keys"`
	Indexes     []indexReport      `json:"indexes"`
	Uniques     []uniqueReport     `json:"unique_constraints"`
	Checks      []checkReport      `json:"check_constraints"`
}

type columnReport struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // as the database writes it
	Kind     string `json:"kind"` // ore's dialect-neutral kind
	Nullable bool   `json:"nullable"`
	Default  string `json:"default,omitempty"`
	Identity bool   `json:"identity,omitempty"`
}

type primaryKeyReport struct {
	Name    string   `json:"name,omitempty"`
	Columns []string `json:"columns"`
}

type foreignKeyReport struct {
	Name       string   `json:"name,omitempty"`
	Columns    []string `json:"columns"`
	RefSchema  string   `json:"ref_schema,omitempty"` // only when not the table's
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   string   `json:"on_delete"` // "no action", "restrict", "cascade", "set null", "set default"
	OnUpdate   string   `json:"on_update"`
}

type indexReport struct {
	Name string `json:"name"`
	// Keys are the indexed columns, or expressions' SQL, in order.
	Keys       []string `json:"keys"`
	Unique     bool     `json:"unique"`
	Predicate  string   `json:"predicate,omitempty"`
	Constraint bool     `json:"constraint,omitempty"` // backs a unique constraint
}

type uniqueReport struct {
	Name    string   `json:"name,omitempty"`
	Columns []string `json:"columns"`
}

type checkReport struct {
	Name string `json:"name,omitempty"`
	Expr string `json:"expr"`
}

type viewReport struct {
	Name       string         `json:"name"`
	Columns    []columnReport `json:"columns"`
	Definition string         `json:"definition"`
}

// inspectSchema reads the report for one schema of db.
func inspectSchema(ctx context.Context, db *ore.DB, schema string) (*schemaReport, error) {
	in, err := ore.Inspect(ctx, db)
	if err != nil {
		return nil, err
	}
	explicit := schema != ""
	if !explicit {
		if schema, err = in.DefaultSchema(ctx); err != nil {
			return nil, err
		}
	}
	rep := &schemaReport{Dialect: db.Dialect().Name(), Schema: schema, Tables: []tableReport{}, Views: []viewReport{}}
	tables, err := in.Tables(ctx, schema)
	if err != nil {
		return nil, err
	}
	for _, name := range tables {
		t, err := inspectTable(ctx, in, schema, name)
		if err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, t)
	}
	views, err := in.Views(ctx, schema)
	if err != nil {
		return nil, err
	}
	for _, name := range views {
		cols, err := in.Columns(ctx, schema, name)
		if err != nil {
			return nil, err
		}
		def, err := in.ViewDefinition(ctx, schema, name)
		if err != nil {
			return nil, err
		}
		rep.Views = append(rep.Views, viewReport{Name: name, Columns: columnReports(cols), Definition: strings.TrimSpace(def)})
	}
	if len(rep.Tables) == 0 && len(rep.Views) == 0 && explicit {
		if err := schemaExists(ctx, in, schema); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// schemaExists reports an error if schema, in which nothing was found, does
// not exist: PostgreSQL lists no tables for a schema that does not exist,
// and a mistyped name must not pass for an empty schema.
func schemaExists(ctx context.Context, in *ore.Inspector, schema string) error {
	schemas, err := in.Schemas(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(schemas, schema) {
		return fmt.Errorf("no such schema %q", schema)
	}
	return nil
}

// inspectTable reads the report of one table.
func inspectTable(ctx context.Context, in *ore.Inspector, schema, name string) (tableReport, error) {
	t := tableReport{Name: name}
	cols, err := in.Columns(ctx, schema, name)
	if err != nil {
		return t, err
	}
	t.Columns = columnReports(cols)
	pk, err := in.PrimaryKey(ctx, schema, name)
	if err != nil {
		return t, err
	}
	if len(pk.Columns) > 0 {
		t.PrimaryKey = &primaryKeyReport{Name: pk.Name, Columns: pk.Columns}
	}
	fks, err := in.ForeignKeys(ctx, schema, name)
	if err != nil {
		return t, err
	}
	t.ForeignKeys = make([]foreignKeyReport, len(fks))
	for i, fk := range fks {
		t.ForeignKeys[i] = foreignKeyReport{
			Name: fk.Name, Columns: fk.Columns, RefSchema: fk.RefSchema, RefTable: fk.RefTable, RefColumns: fk.RefColumns,
			OnDelete: strings.ToLower(fk.OnDelete.String()), OnUpdate: strings.ToLower(fk.OnUpdate.String()),
		}
	}
	ixs, err := in.Indexes(ctx, schema, name)
	if err != nil {
		return t, err
	}
	t.Indexes = make([]indexReport, len(ixs))
	for i, ix := range ixs {
		keys := make([]string, len(ix.Columns))
		for j, c := range ix.Columns {
			keys[j] = c
			if c == "" && j < len(ix.Expressions) {
				keys[j] = ix.Expressions[j]
			}
		}
		t.Indexes[i] = indexReport{Name: ix.Name, Keys: keys, Unique: ix.Unique, Predicate: ix.Predicate, Constraint: ix.Constraint}
	}
	us, err := in.UniqueConstraints(ctx, schema, name)
	if err != nil {
		return t, err
	}
	t.Uniques = make([]uniqueReport, len(us))
	for i, u := range us {
		t.Uniques[i] = uniqueReport{Name: u.Name, Columns: u.Columns}
	}
	checks, err := in.CheckConstraints(ctx, schema, name)
	if err != nil {
		return t, err
	}
	t.Checks = make([]checkReport, len(checks))
	for i, c := range checks {
		t.Checks[i] = checkReport{Name: c.Name, Expr: c.Expr}
	}
	return t, nil
}

func columnReports(cols []dialect.ColumnInfo) []columnReport {
	out := make([]columnReport, len(cols))
	for i, c := range cols {
		out[i] = columnReport{Name: c.Name, Type: c.DBType, Kind: c.Type.String(), Nullable: c.Nullable, Default: c.Default, Identity: c.Identity}
	}
	return out
}

// inspectCmd runs `ore inspect`.
func inspectCmd(ctx context.Context, dsn, schema string, asJSON bool, out io.Writer) error {
	db, err := openDSN(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := inspectSchema(ctx, db, schema)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeReport(out, rep)
	return nil
}

// openDSN opens the database dsn names and checks it is reachable.
func openDSN(ctx context.Context, dsn string) (*ore.DB, error) {
	drv, err := driverFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := ore.Open(ctx, drv, ore.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach the database: %w", err)
	}
	return db, nil
}

// writeReport writes rep for people to read.
func writeReport(out io.Writer, rep *schemaReport) {
	fmt.Fprintf(out, "%s database, schema %s: %d tables, %d views\n", rep.Dialect, rep.Schema, len(rep.Tables), len(rep.Views))
	for _, t := range rep.Tables {
		fmt.Fprintf(out, "\ntable %s\n", t.Name)
		writeColumns(out, t.Columns)
		if t.PrimaryKey != nil {
			fmt.Fprintf(out, "  primary key %s(%s)\n", named(t.PrimaryKey.Name), strings.Join(t.PrimaryKey.Columns, ", "))
		}
		for _, fk := range t.ForeignKeys {
			ref := fk.RefTable
			if fk.RefSchema != "" {
				ref = fk.RefSchema + "." + ref
			}
			fmt.Fprintf(out, "  foreign key %s(%s) references %s(%s)", named(fk.Name), strings.Join(fk.Columns, ", "), ref, strings.Join(fk.RefColumns, ", "))
			if fk.OnDelete != noAction {
				fmt.Fprintf(out, " on delete %s", fk.OnDelete)
			}
			if fk.OnUpdate != noAction {
				fmt.Fprintf(out, " on update %s", fk.OnUpdate)
			}
			fmt.Fprintln(out)
		}
		for _, u := range t.Uniques {
			fmt.Fprintf(out, "  unique %s(%s)\n", named(u.Name), strings.Join(u.Columns, ", "))
		}
		for _, c := range t.Checks {
			fmt.Fprintf(out, "  check %s(%s)\n", named(c.Name), c.Expr)
		}
		for _, ix := range t.Indexes {
			if ix.Constraint {
				continue // shown as a unique constraint
			}
			kind := "index"
			if ix.Unique {
				kind = "unique index"
			}
			fmt.Fprintf(out, "  %s %s(%s)", kind, named(ix.Name), strings.Join(ix.Keys, ", "))
			if ix.Predicate != "" {
				fmt.Fprintf(out, " where %s", ix.Predicate)
			}
			fmt.Fprintln(out)
		}
	}
	for _, v := range rep.Views {
		fmt.Fprintf(out, "\nview %s\n", v.Name)
		writeColumns(out, v.Columns)
		fmt.Fprintf(out, "  as %s\n", strings.Join(strings.Fields(v.Definition), " "))
	}
}

var noAction = strings.ToLower(ore.NoAction.String())

// writeColumns writes the columns as an aligned table, without the spaces
// tabwriter pads the last cell with when a column has no notes.
func writeColumns(out io.Writer, cols []columnReport) {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, c := range cols {
		var notes []string
		if !c.Nullable {
			notes = append(notes, "not null")
		}
		if c.Identity {
			notes = append(notes, "identity")
		}
		if c.Default != "" {
			notes = append(notes, "default "+c.Default)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", c.Name, c.Type, strings.Join(notes, ", "))
	}
	w.Flush()
	for line := range strings.Lines(buf.String()) {
		fmt.Fprintln(out, strings.TrimRight(line, " \n"))
	}
}

func named(name string) string {
	if name == "" {
		return ""
	}
	return name + " "
}
