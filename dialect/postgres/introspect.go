package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// introspector implements dialect.Introspector with pg_catalog queries.
// information_schema is not used: it hides objects the current role does
// not own or hold privileges on, and its views are slow to query.
//
// Names are always bound as parameters. Lists are sorted by name (byte
// order: the name type's collation is C), except columns, which keep their
// table's order, and key columns, which keep their key's order.
type introspector struct{}

// nspExpr is the schema a query is about: $1, or the current schema when
// $1 is "".
const nspExpr = `COALESCE(NULLIF($1::text, ''), current_schema())`

// relExpr is the oid of relation $2 in schema $1, or NULL. It finds
// tables, partitioned tables, views, materialized views and foreign tables:
// what has columns a query can read. Indexes, sequences and composite types
// have columns too, but are no tables.
const relExpr = `(SELECT c.oid FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = ` + nspExpr + ` AND c.relname = $2
	AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))`

// collect runs sql and returns one value per row, made by scan.
func collect[T any](ctx context.Context, conn dialect.Conn, sql string, args []any, scan func(dialect.Rows) (T, error)) ([]T, error) {
	rows, err := conn.Query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func scanString(r dialect.Rows) (s string, err error) {
	err = r.Scan(&s)
	return s, err
}

// perTable runs sql, a query about one table with schema and table as its
// parameters (see relExpr), and reports a missing table. Such a query gives
// no rows both for a missing table and for one without what it asks for
// (columns, keys, indexes); only then does a second query tell the two
// apart, so that the common case costs one round trip.
func perTable[T any](ctx context.Context, conn dialect.Conn, schema, table, sql string, scan func(dialect.Rows) (T, error)) ([]T, error) {
	args := []any{schema, table}
	out, err := collect(ctx, conn, sql, args, scan)
	if err != nil || len(out) > 0 {
		return out, err
	}
	found, err := collect(ctx, conn, `SELECT `+relExpr+` IS NOT NULL`, args, func(r dialect.Rows) (ok bool, err error) {
		err = r.Scan(&ok)
		return ok, err
	})
	if err != nil {
		return nil, err
	}
	if len(found) != 1 || !found[0] {
		return nil, noSuchTable(schema, table)
	}
	return nil, nil
}

// noSuchTable names the table as SQL would, so that names with quotes or
// dots in them read unambiguously.
func noSuchTable(schema, table string) error {
	name := pgx.Identifier{table}
	if schema != "" {
		name = pgx.Identifier{schema, table}
	}
	return fmt.Errorf("postgres: %w: %s", dialect.ErrNoSuchTable, name.Sanitize())
}

// DefaultSchema returns current_schema(): the first schema of the search
// path that exists. It fails if none does.
func (introspector) DefaultSchema(ctx context.Context, conn dialect.Conn) (string, error) {
	s, err := collect(ctx, conn, `SELECT current_schema()`, nil, func(r dialect.Rows) (s *string, err error) {
		err = r.Scan(&s)
		return s, err
	})
	if err != nil {
		return "", err
	}
	if len(s) != 1 || s[0] == nil {
		return "", fmt.Errorf("postgres: no default schema: no schema of the search path exists")
	}
	return *s[0], nil
}

// Schemas returns the schemas except PostgreSQL's own: pg_catalog,
// pg_toast, the pg_temp ones and information_schema.
func (introspector) Schemas(ctx context.Context, conn dialect.Conn) ([]string, error) {
	return collect(ctx, conn, `SELECT nspname::text FROM pg_catalog.pg_namespace
		WHERE left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'
		ORDER BY nspname`, nil, scanString)
}

// Tables returns the schema's ordinary and partitioned tables; partitions
// are tables and are listed too. Foreign tables are not.
func (introspector) Tables(ctx context.Context, conn dialect.Conn, schema string) ([]string, error) {
	return collect(ctx, conn, `SELECT c.relname::text FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = `+nspExpr+` AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`, []any{schema}, scanString)
}

// Views returns the schema's views, materialized views included: the
// interface has no list of their own for them, and they are read like
// views (ViewDefinition gives their query), so that reflecting views makes
// them usable in statements too. Their indexes are listed by Indexes.
func (introspector) Views(ctx context.Context, conn dialect.Conn, schema string) ([]string, error) {
	return collect(ctx, conn, `SELECT c.relname::text FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = `+nspExpr+` AND c.relkind IN ('v', 'm')
		ORDER BY c.relname`, []any{schema}, scanString)
}

// ViewDefinition returns the view's query as pg_get_viewdef writes it
// (pretty-printed, ending in a semicolon). A table is no view: asking for
// its definition fails with ErrNoSuchTable.
func (introspector) ViewDefinition(ctx context.Context, conn dialect.Conn, schema, view string) (string, error) {
	defs, err := collect(ctx, conn, `SELECT pg_catalog.pg_get_viewdef(c.oid, true) FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = `+nspExpr+` AND c.relname = $2 AND c.relkind IN ('v', 'm')`,
		[]any{schema, view}, scanString)
	if err != nil {
		return "", err
	}
	if len(defs) == 0 {
		return "", noSuchTable(schema, view)
	}
	return defs[0], nil
}

// Columns returns the columns, dropped and system ones excepted.
//
// A serial column is one whose default is nextval() of a sequence the
// column owns: the default's dependency on the sequence and the sequence's
// ownership by the column are both in pg_depend, so a nextval() default of
// a shared or unowned sequence does not count.
//
// A generated column (GENERATED ALWAYS AS (...) STORED) reports no
// default: pg_attrdef holds its generation expression, which is no default
// (ColumnInfo has no place for it).
func (introspector) Columns(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.ColumnInfo, error) {
	return perTable(ctx, conn, schema, table, `SELECT a.attname::text,
		pg_catalog.format_type(a.atttypid, a.atttypmod),
		NOT a.attnotnull,
		CASE WHEN a.attgenerated = '' THEN COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') ELSE '' END,
		a.attidentity IN ('a', 'd') OR (a.attgenerated = ''
			AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%'
			AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend own
				JOIN pg_catalog.pg_class seq ON seq.oid = own.objid AND seq.relkind = 'S'
				JOIN pg_catalog.pg_depend used ON used.classid = 'pg_catalog.pg_attrdef'::regclass
					AND used.objid = d.oid
					AND used.refclassid = 'pg_catalog.pg_class'::regclass AND used.refobjid = seq.oid
				WHERE own.classid = 'pg_catalog.pg_class'::regclass
					AND own.refclassid = 'pg_catalog.pg_class'::regclass
					AND own.refobjid = a.attrelid AND own.refobjsubid = a.attnum
					AND own.deptype = 'a'))
		FROM pg_catalog.pg_attribute a
		LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = `+relExpr+` AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, func(r dialect.Rows) (c dialect.ColumnInfo, err error) {
		err = r.Scan(&c.Name, &c.DBType, &c.Nullable, &c.Default, &c.Identity)
		c.Type = neutralType(c.DBType)
		return c, err
	})
}

// neutralType maps a type as format_type writes it to compile's terms.
// Types with modifiers compile.Type cannot hold (timestamp(3), time(0))
// are TypeNamed, so that writing them back loses nothing.
func neutralType(dbType string) compile.Type {
	switch dbType {
	case "bigint":
		return compile.Type{Kind: compile.TypeBigInt}
	case "integer":
		return compile.Type{Kind: compile.TypeInt}
	case "smallint":
		return compile.Type{Kind: compile.TypeSmallInt}
	case "boolean":
		return compile.Type{Kind: compile.TypeBool}
	case "real":
		return compile.Type{Kind: compile.TypeReal}
	case "double precision":
		return compile.Type{Kind: compile.TypeDouble}
	case "numeric":
		return compile.Type{Kind: compile.TypeNumeric}
	case "text":
		return compile.Type{Kind: compile.TypeText}
	case "character varying":
		return compile.Type{Kind: compile.TypeVarchar}
	case "bytea":
		return compile.Type{Kind: compile.TypeBytes}
	case "date":
		return compile.Type{Kind: compile.TypeDate}
	case "time without time zone":
		return compile.Type{Kind: compile.TypeTime}
	case "timestamp without time zone":
		return compile.Type{Kind: compile.TypeTimestamp}
	case "timestamp with time zone":
		return compile.Type{Kind: compile.TypeTimestampTZ}
	case "uuid":
		return compile.Type{Kind: compile.TypeUUID}
	case "json", "jsonb":
		return compile.Type{Kind: compile.TypeJSON}
	}
	if mods, ok := typeModifiers(dbType, "character varying"); ok && len(mods) == 1 {
		return compile.Type{Kind: compile.TypeVarchar, Length: mods[0]}
	}
	if mods, ok := typeModifiers(dbType, "numeric"); ok && len(mods) == 2 {
		// format_type always writes the scale, 0 included.
		return compile.Type{Kind: compile.TypeNumeric, Precision: mods[0], Scale: mods[1]}
	}
	return compile.Type{Kind: compile.TypeNamed, Name: dbType}
}

// typeModifiers parses "name(a,b)" into [a b].
func typeModifiers(dbType, name string) ([]int, bool) {
	rest, ok := strings.CutPrefix(dbType, name+"(")
	if !ok {
		return nil, false
	}
	rest, ok = strings.CutSuffix(rest, ")")
	if !ok {
		return nil, false
	}
	var mods []int
	for m := range strings.SplitSeq(rest, ",") {
		n, err := strconv.Atoi(m)
		if err != nil {
			return nil, false
		}
		mods = append(mods, n)
	}
	return mods, true
}

// keyColumns is an array of the names of the columns whose numbers are in
// the array nums of table rel, in the array's order.
func keyColumns(nums, rel string) string {
	return `ARRAY(SELECT a.attname::text
		FROM unnest(` + nums + `) WITH ORDINALITY k(attnum, ord)
		JOIN pg_catalog.pg_attribute a ON a.attrelid = ` + rel + ` AND a.attnum = k.attnum
		ORDER BY k.ord)`
}

// PrimaryKey returns the primary key constraint.
func (introspector) PrimaryKey(ctx context.Context, conn dialect.Conn, schema, table string) (dialect.PrimaryKeyInfo, error) {
	// The per-table query always has a row, so that a table without a
	// primary key needs no second query to prove that it exists.
	pks, err := collect(ctx, conn, `SELECT rel.oid IS NOT NULL, COALESCE(con.conname::text, ''),
			COALESCE(`+keyColumns("con.conkey", "con.conrelid")+`, '{}')
		FROM (SELECT `+relExpr+` AS oid) rel
		LEFT JOIN pg_catalog.pg_constraint con ON con.conrelid = rel.oid AND con.contype = 'p'`,
		[]any{schema, table}, func(r dialect.Rows) (pk dialect.PrimaryKeyInfo, err error) {
			var found bool
			err = r.Scan(&found, &pk.Name, &pk.Columns)
			if err == nil && !found {
				err = noSuchTable(schema, table)
			}
			return pk, err
		})
	if err != nil {
		return dialect.PrimaryKeyInfo{}, err
	}
	pk := pks[0]
	if len(pk.Columns) == 0 {
		pk.Columns = nil
	}
	return pk, nil
}

// fkAction maps pg_constraint's confdeltype and confupdtype.
func fkAction(c string) (compile.FKAction, error) {
	switch c {
	case "a":
		return compile.FKNoAction, nil
	case "r":
		return compile.FKRestrict, nil
	case "c":
		return compile.FKCascade, nil
	case "n":
		return compile.FKSetNull, nil
	case "d":
		return compile.FKSetDefault, nil
	}
	return 0, fmt.Errorf("postgres: unknown foreign key action %q", c)
}

// ForeignKeys returns the foreign key constraints.
//
// A foreign key to a partitioned table has, besides the constraint itself,
// one internal constraint per partition of the referred table, children of
// the first on the same table; those are left out. A partition's copies of
// its parent table's foreign keys are its own and are kept.
func (introspector) ForeignKeys(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.ForeignKeyInfo, error) {
	return perTable(ctx, conn, schema, table, `SELECT con.conname::text,
		`+keyColumns("con.conkey", "con.conrelid")+`,
		CASE WHEN ref.relnamespace = rel.relnamespace THEN '' ELSE refns.nspname::text END,
		ref.relname::text,
		`+keyColumns("con.confkey", "con.confrelid")+`,
		con.confdeltype::text, con.confupdtype::text
		FROM pg_catalog.pg_constraint con
		JOIN pg_catalog.pg_class rel ON rel.oid = con.conrelid
		JOIN pg_catalog.pg_class ref ON ref.oid = con.confrelid
		JOIN pg_catalog.pg_namespace refns ON refns.oid = ref.relnamespace
		WHERE con.conrelid = `+relExpr+` AND con.contype = 'f'
			AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint parent
				WHERE parent.oid = con.conparentid AND parent.conrelid = con.conrelid)
		ORDER BY con.conname`, func(r dialect.Rows) (fk dialect.ForeignKeyInfo, err error) {
		var del, upd string
		if err = r.Scan(&fk.Name, &fk.Columns, &fk.RefSchema, &fk.RefTable, &fk.RefColumns, &del, &upd); err != nil {
			return fk, err
		}
		if fk.OnDelete, err = fkAction(del); err != nil {
			return fk, err
		}
		fk.OnUpdate, err = fkAction(upd)
		return fk, err
	})
}

// Indexes returns the indexes but the primary key's. Columns lists key
// columns only (an index's INCLUDE columns are left out); the text of an
// expression key is pg_get_indexdef's, which parenthesizes what is not a
// function call ("(a + b)"). Expressions is nil for an index without
// expression keys. Sort order, operator classes and collations are not
// reported.
func (introspector) Indexes(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.IndexInfo, error) {
	// indkey is an int2vector, 0 for an expression; its first indnkeyatts
	// entries are the key.
	const keys = `FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		WHERE k.ord <= i.indnkeyatts ORDER BY k.ord`
	return perTable(ctx, conn, schema, table, `SELECT ic.relname::text, i.indisunique,
		ARRAY(SELECT CASE WHEN k.attnum = 0 THEN ''
			ELSE (SELECT a.attname::text FROM pg_catalog.pg_attribute a
				WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum) END `+keys+`),
		ARRAY(SELECT CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
			ELSE '' END `+keys+`),
		COALESCE(pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), ''),
		EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
			WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype = 'u')
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
		WHERE i.indrelid = `+relExpr+` AND NOT i.indisprimary
		ORDER BY ic.relname`, func(r dialect.Rows) (ix dialect.IndexInfo, err error) {
		err = r.Scan(&ix.Name, &ix.Unique, &ix.Columns, &ix.Expressions, &ix.Predicate, &ix.Constraint)
		hasExpr := false
		for _, e := range ix.Expressions {
			hasExpr = hasExpr || e != ""
		}
		if !hasExpr {
			ix.Expressions = nil
		}
		return ix, err
	})
}

// UniqueConstraints returns the unique constraints. A unique index made
// by CREATE UNIQUE INDEX is no constraint; Indexes lists it.
func (introspector) UniqueConstraints(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.UniqueInfo, error) {
	return perTable(ctx, conn, schema, table, `SELECT con.conname::text, `+keyColumns("con.conkey", "con.conrelid")+`
		FROM pg_catalog.pg_constraint con
		WHERE con.conrelid = `+relExpr+` AND con.contype = 'u'
		ORDER BY con.conname`, func(r dialect.Rows) (u dialect.UniqueInfo, err error) {
		err = r.Scan(&u.Name, &u.Columns)
		return u, err
	})
}

// CheckConstraints returns the check constraints, their conditions as
// pg_get_expr pretty-prints them: pg_get_constraintdef's text without its
// CHECK (...) wrapper and NOT VALID or NO INHERIT suffixes. NOT NULL is no
// check constraint here.
func (introspector) CheckConstraints(ctx context.Context, conn dialect.Conn, schema, table string) ([]dialect.CheckInfo, error) {
	return perTable(ctx, conn, schema, table, `SELECT con.conname::text, pg_catalog.pg_get_expr(con.conbin, con.conrelid, true)
		FROM pg_catalog.pg_constraint con
		WHERE con.conrelid = `+relExpr+` AND con.contype = 'c'
		ORDER BY con.conname`, func(r dialect.Rows) (c dialect.CheckInfo, err error) {
		err = r.Scan(&c.Name, &c.Expr)
		return c, err
	})
}
