package compile

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// DebugSQL renders s for d with every bound value written inline as a
// literal and every named parameter as :name, for logs and for reading.
//
// The result is for people, not databases: never execute it. Values are
// bound in real statements precisely because inlining them safely is hard.
func DebugSQL(d Dialect, s Stmt) (string, error) {
	c := newCompiler(d, modeDebug)
	defer c.release()
	c.stmt(s)
	if c.err != nil {
		return "", c.err
	}
	return string(c.buf), nil
}

// appendLiteral appends v as an SQL literal, for DebugSQL.
func appendLiteral(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "NULL"...)
	case bool:
		if v {
			return append(b, "TRUE"...)
		}
		return append(b, "FALSE"...)
	case string:
		return appendStringLiteral(b, v)
	case []byte:
		b = append(b, "X'"...)
		b = hex.AppendEncode(b, v)
		return append(b, '\'')
	case time.Time:
		return appendStringLiteral(b, v.Format("2006-01-02 15:04:05.999999999Z07:00"))
	case *Param:
		return append(append(b, ':'), v.Name...)
	case driver.Valuer:
		dv, err := v.Value()
		if err != nil {
			return appendStringLiteral(b, "<"+err.Error()+">")
		}
		if _, again := dv.(driver.Valuer); again {
			return appendStringLiteral(b, fmt.Sprint(dv))
		}
		return appendLiteral(b, dv)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n := rv.Int(); n < 0 {
			// Parenthesized, so that a minus sign before it cannot make "--".
			return append(strconv.AppendInt(append(b, '('), n, 10), ')')
		} else {
			return strconv.AppendInt(b, n, 10)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return appendStringLiteral(b, strconv.FormatFloat(f, 'g', -1, 64))
		}
		if f < 0 {
			return append(strconv.AppendFloat(append(b, '('), f, 'g', -1, 64), ')')
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case reflect.String:
		return appendStringLiteral(b, rv.String())
	case reflect.Bool:
		return appendLiteral(b, rv.Bool())
	case reflect.Pointer:
		if rv.IsNil() {
			return append(b, "NULL"...)
		}
		return appendLiteral(b, rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		b = append(b, "ARRAY["...)
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendLiteral(b, rv.Index(i).Interface())
		}
		return append(b, ']')
	}
	return appendStringLiteral(b, fmt.Sprint(v))
}

func appendStringLiteral(b []byte, s string) []byte {
	return AppendQuoted(b, s, '\'')
}
