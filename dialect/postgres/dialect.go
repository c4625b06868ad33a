package postgres

import (
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/ore-go/ore/compile"
)

// Dialect is PostgreSQL's SQL dialect for the compiler. Its zero value is
// ready to use.
type Dialect struct{}

var (
	_ compile.Dialect        = Dialect{}
	_ compile.InListCompiler = Dialect{}
)

// Name returns "postgres".
func (Dialect) Name() string { return "postgres" }

// Features reports everything but the SQLite-specific parse workaround.
func (Dialect) Features() compile.Feature {
	return compile.FeatReturning | compile.FeatILike | compile.FeatDistinctOn |
		compile.FeatRightJoin | compile.FeatFullJoin | compile.FeatLateral |
		compile.FeatDeleteUsing | compile.FeatUpdateFrom | compile.FeatOnConflict |
		compile.FeatOnConstraint | compile.FeatRowLocking | compile.FeatKeyLocking |
		compile.FeatLockWait | compile.FeatLockOf | compile.FeatSetOpAll |
		compile.FeatParenSetOperands | compile.FeatDMLInCTE | compile.FeatCTEMaterialized |
		compile.FeatWindowFunctions | compile.FeatNullsOrder | compile.FeatAggregateFilter |
		compile.FeatReturningQualified | compile.FeatDefaultKeyword | compile.FeatSavepoints | compile.FeatTransactionalDDL |
		compile.FeatSequences | compile.FeatSchemas | compile.FeatIdentity | compile.FeatAlterForeignKeys |
		compile.FeatOrderedInsertKeys
}

// AppendIdent appends name in double quotes, doubling any double quote.
func (Dialect) AppendIdent(b []byte, name string) []byte {
	return compile.AppendQuoted(b, name, '"')
}

// IdentQuote returns the double quote, with which AppendIdent quotes.
func (Dialect) IdentQuote() byte { return '"' }

// AppendPlaceholder appends $n.
func (Dialect) AppendPlaceholder(b []byte, n int) []byte {
	return strconv.AppendInt(append(b, '$'), int64(n), 10)
}

// maxIdentLen is NAMEDATALEN-1: PostgreSQL silently truncates longer names.
const maxIdentLen = 63

// ValidateIdent rejects names PostgreSQL would truncate.
func (Dialect) ValidateIdent(name string) error {
	if len(name) > maxIdentLen {
		return fmt.Errorf("compile: identifier %q is longer than postgres's %d bytes", name, maxIdentLen)
	}
	return nil
}

// CastType returns PostgreSQL's name for t.
func (Dialect) CastType(t compile.Type) (string, bool) {
	switch t.Kind {
	case compile.TypeBool:
		return "boolean", true
	case compile.TypeSmallInt:
		return "smallint", true
	case compile.TypeInt:
		return "integer", true
	case compile.TypeBigInt:
		return "bigint", true
	case compile.TypeReal:
		return "real", true
	case compile.TypeDouble:
		return "double precision", true
	case compile.TypeNumeric:
		switch {
		case t.Precision > 0 && t.Scale > 0:
			return "numeric(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")", true
		case t.Precision > 0:
			return "numeric(" + strconv.Itoa(t.Precision) + ")", true
		}
		return "numeric", true
	case compile.TypeText:
		return "text", true
	case compile.TypeVarchar:
		if t.Length > 0 {
			return "varchar(" + strconv.Itoa(t.Length) + ")", true
		}
		return "varchar", true
	case compile.TypeBytes:
		return "bytea", true
	case compile.TypeDate:
		return "date", true
	case compile.TypeTime:
		return "time", true
	case compile.TypeTimestamp:
		return "timestamp", true
	case compile.TypeTimestampTZ:
		return "timestamptz", true
	case compile.TypeUUID:
		return "uuid", true
	case compile.TypeJSON:
		return "jsonb", true
	case compile.TypeNamed:
		return t.Name, t.Name != ""
	}
	return "", false
}

// ColumnType returns PostgreSQL's name for a column of type t, the same
// as its CAST name (JSON is jsonb: binary and indexable).
func (d Dialect) ColumnType(t compile.Type) (string, bool) {
	return d.CastType(t)
}

// CompileInList writes a long IN list as x = ANY($1) (NOT IN as
// x <> ALL($1)) with the values in one array argument, so that one SQL text
// and one prepared statement serve lists of every length. It declines when
// the values are not all of one basic type that pgx encodes as an array.
func (Dialect) CompileInList(c *compile.Compiler, x compile.Expr, values []any, not bool) bool {
	arr, ok := typedSlice(values)
	if !ok {
		return false
	}
	c.Operand(x)
	if not {
		c.WriteString(" <> ALL(")
	} else {
		c.WriteString(" = ANY(")
	}
	c.BindValue(arr)
	c.WriteString(")")
	return true
}

var timeType = reflect.TypeFor[time.Time]()

// typedSlice returns values as a slice of their common element type, if
// they share one that is a basic scalar.
func typedSlice(values []any) (any, bool) {
	if len(values) == 0 || values[0] == nil {
		return nil, false
	}
	t := reflect.TypeOf(values[0])
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32,
		reflect.Float32, reflect.Float64, reflect.String, reflect.Bool:
		if t.PkgPath() != "" {
			// A named type may implement driver.Valuer or a pgx encoder of
			// its own; leave it to one placeholder per value.
			return nil, false
		}
	default:
		if t != timeType {
			return nil, false
		}
	}
	s := reflect.MakeSlice(reflect.SliceOf(t), len(values), len(values))
	for i, v := range values {
		if v == nil || reflect.TypeOf(v) != t {
			return nil, false
		}
		s.Index(i).Set(reflect.ValueOf(v))
	}
	return s.Interface(), true
}
