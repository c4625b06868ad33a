package sqlite

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"unicode/utf8"

	"github.com/ore-go/ore/compile"
)

// Dialect is SQLite's SQL dialect for the compiler. Its zero value is ready
// to use.
type Dialect struct{}

var (
	_ compile.Dialect             = Dialect{}
	_ compile.LimitOffsetCompiler = Dialect{}
	_ compile.InListCompiler      = Dialect{}
	_ compile.ForeignKeyDeferrer  = Dialect{}
)

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// Features reports what SQLite 3.54 has.
func (Dialect) Features() compile.Feature {
	return compile.FeatReturning | compile.FeatRightJoin | compile.FeatFullJoin |
		compile.FeatUpdateFrom | compile.FeatOnConflict | compile.FeatCTEMaterialized |
		compile.FeatWindowFunctions | compile.FeatNullsOrder | compile.FeatAggregateFilter |
		compile.FeatUpsertSelectNeedsWhere | compile.FeatSavepoints | compile.FeatTransactionalDDL
}

// AppendIdent appends name in double quotes, doubling any double quote.
func (Dialect) AppendIdent(b []byte, name string) []byte {
	return compile.AppendQuoted(b, name, '"')
}

// IdentQuote returns the double quote, with which AppendIdent quotes.
func (Dialect) IdentQuote() byte { return '"' }

// AppendPlaceholder appends ?.
func (Dialect) AppendPlaceholder(b []byte, _ int) []byte {
	return append(b, '?')
}

// CastType returns the type name whose affinity converts to t's storage
// class. Dates and times are text in SQLite: CAST(x AS DATETIME) would
// apply NUMERIC affinity and turn '2024-01-02' into 2024.
func (Dialect) CastType(t compile.Type) (string, bool) {
	switch t.Kind {
	case compile.TypeBool, compile.TypeSmallInt, compile.TypeInt, compile.TypeBigInt:
		return "INTEGER", true
	case compile.TypeReal, compile.TypeDouble:
		return "REAL", true
	case compile.TypeNumeric:
		return "NUMERIC", true
	case compile.TypeText, compile.TypeVarchar, compile.TypeDate, compile.TypeTime,
		compile.TypeTimestamp, compile.TypeTimestampTZ, compile.TypeUUID, compile.TypeJSON:
		return "TEXT", true
	case compile.TypeBytes:
		return "BLOB", true
	case compile.TypeNamed:
		return t.Name, t.Name != ""
	}
	return "", false
}

// ColumnType returns the declared type of a column of type t. SQLite keeps
// any declared type, and derives the column's affinity from it; these names
// give each kind the right affinity and keep the kind readable for
// reflection. BigInt is INTEGER, so that an INTEGER PRIMARY KEY is the
// rowid.
func (Dialect) ColumnType(t compile.Type) (string, bool) {
	switch t.Kind {
	case compile.TypeBool:
		return "BOOLEAN", true
	case compile.TypeSmallInt:
		return "SMALLINT", true
	case compile.TypeInt:
		return "INT", true
	case compile.TypeBigInt:
		return "INTEGER", true
	case compile.TypeReal:
		return "REAL", true
	case compile.TypeDouble:
		return "DOUBLE", true
	case compile.TypeNumeric:
		switch {
		case t.Precision > 0 && t.Scale > 0:
			return fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale), true
		case t.Precision > 0:
			return fmt.Sprintf("NUMERIC(%d)", t.Precision), true
		}
		return "NUMERIC", true
	case compile.TypeText:
		return "TEXT", true
	case compile.TypeVarchar:
		if t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length), true
		}
		return "VARCHAR", true
	case compile.TypeBytes:
		return "BLOB", true
	case compile.TypeDate:
		return "DATE", true
	case compile.TypeTime:
		return "TIME", true
	case compile.TypeTimestamp:
		return "TIMESTAMP", true
	case compile.TypeTimestampTZ:
		return "TIMESTAMPTZ", true
	case compile.TypeUUID:
		return "UUID", true
	case compile.TypeJSON:
		return "JSON", true
	case compile.TypeNamed:
		return t.Name, t.Name != ""
	}
	return "", false
}

// DeferForeignKeysSQL defers foreign key checks to the commit, for the
// current transaction only.
func (Dialect) DeferForeignKeysSQL() string { return "PRAGMA defer_foreign_keys = ON" }

// CompileLimitOffset writes LIMIT -1 before an OFFSET that has no LIMIT:
// SQLite's grammar has no OFFSET on its own.
func (Dialect) CompileLimitOffset(c *compile.Compiler, limit, offset compile.Expr) {
	c.WriteString(" LIMIT ")
	if limit != nil {
		c.Operand(limit)
	} else {
		c.WriteString("-1")
	}
	if offset != nil {
		c.WriteString(" OFFSET ")
		c.Operand(offset)
	}
}

// CompileInList writes a long IN list as x IN (SELECT value FROM
// json_each(?)) with the values in one JSON array argument: one SQL text for
// every length, and no limit on the number of values. It declines when a
// value has no exact JSON form (bytes, times, NaN, invalid UTF-8).
func (Dialect) CompileInList(c *compile.Compiler, x compile.Expr, values []any, not bool) bool {
	for _, v := range values {
		if !jsonExact(v) {
			return false
		}
	}
	doc, err := json.Marshal(values)
	if err != nil {
		return false
	}
	c.Operand(x)
	if not {
		c.WriteString(" NOT IN (SELECT value FROM json_each(")
	} else {
		c.WriteString(" IN (SELECT value FROM json_each(")
	}
	c.BindValue(string(doc))
	c.WriteString("))")
	return true
}

// jsonExact reports whether v survives a trip through JSON unchanged as the
// SQLite value it would bind as.
func jsonExact(v any) bool {
	if v == nil {
		return false
	}
	rv := reflect.ValueOf(v)
	if rv.Type().PkgPath() != "" {
		return false // a named type may have its own driver.Valuer
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Bool:
		return true
	case reflect.Float64:
		// A float32 binds as its exact float64 value (0.1f is
		// 0.10000000149011612) but would print as 0.1 in JSON.
		f := rv.Float()
		return !math.IsNaN(f) && !math.IsInf(f, 0)
	case reflect.String:
		return utf8.ValidString(rv.String())
	}
	return false
}
