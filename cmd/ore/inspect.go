package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect"
)

// schemaReport is what `ore inspect` reports, and its JSON form.
type schemaReport struct {
	Dialect string        `json:"dialect"`
	Schema  string        `json:"schema"`
	Tables  []tableReport `json:"tables"`
	Views   []viewReport  `json:"views"`
}

type tableReport struct {
	Name        string                   `json:"name"`
	Columns     []columnReport           `json:"columns"`
	PrimaryKey  dialect.PrimaryKeyInfo   `json:"primary_key"`
	ForeignKeys []dialect.ForeignKeyInfo `json:"foreign_keys"`
	Indexes     []dialect.IndexInfo      `json:"indexes"`
	Uniques     []dialect.UniqueInfo     `json:"unique_constraints"`
	Checks      []dialect.CheckInfo      `json:"check_constraints"`
}

type columnReport struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // as the database writes it
	Kind     string `json:"kind"` // ore's dialect-neutral kind
	Nullable bool   `json:"nullable"`
	Default  string `json:"default,omitempty"`
	Identity bool   `json:"identity,omitempty"`
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
	if schema == "" {
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
		t := tableReport{Name: name}
		cols, err := in.Columns(ctx, schema, name)
		if err != nil {
			return nil, err
		}
		t.Columns = columnReports(cols)
		if t.PrimaryKey, err = in.PrimaryKey(ctx, schema, name); err != nil {
			return nil, err
		}
		if t.ForeignKeys, err = in.ForeignKeys(ctx, schema, name); err != nil {
			return nil, err
		}
		if t.Indexes, err = in.Indexes(ctx, schema, name); err != nil {
			return nil, err
		}
		if t.Uniques, err = in.UniqueConstraints(ctx, schema, name); err != nil {
			return nil, err
		}
		if t.Checks, err = in.CheckConstraints(ctx, schema, name); err != nil {
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
	return rep, nil
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
		if len(t.PrimaryKey.Columns) > 0 {
			fmt.Fprintf(out, "  primary key %s(%s)\n", named(t.PrimaryKey.Name), strings.Join(t.PrimaryKey.Columns, ", "))
		}
		for _, fk := range t.ForeignKeys {
			ref := fk.RefTable
			if fk.RefSchema != "" {
				ref = fk.RefSchema + "." + ref
			}
			fmt.Fprintf(out, "  foreign key %s(%s) references %s(%s)", named(fk.Name), strings.Join(fk.Columns, ", "), ref, strings.Join(fk.RefColumns, ", "))
			if fk.OnDelete != ore.NoAction {
				fmt.Fprintf(out, " on delete %s", strings.ToLower(fk.OnDelete.String()))
			}
			if fk.OnUpdate != ore.NoAction {
				fmt.Fprintf(out, " on update %s", strings.ToLower(fk.OnUpdate.String()))
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
			keys := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				keys[i] = c
				if c == "" && i < len(ix.Expressions) {
					keys[i] = ix.Expressions[i]
				}
			}
			kind := "index"
			if ix.Unique {
				kind = "unique index"
			}
			fmt.Fprintf(out, "  %s %s(%s)", kind, named(ix.Name), strings.Join(keys, ", "))
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

func writeColumns(out io.Writer, cols []columnReport) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
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
}

func named(name string) string {
	if name == "" {
		return ""
	}
	return name + " "
}
