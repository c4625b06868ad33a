package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// convertArg returns the value modernc.org/sqlite binds for a: int64,
// float64, bool, []byte, string, time.Time or nil. Common types take a
// fast path; the rest (driver.Valuer, pointers, named types) go through
// database/sql's default conversion.
func convertArg(a any) (driver.Value, error) {
	switch v := a.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case *string:
		if v == nil {
			return nil, nil
		}
		return *v, nil
	case *int64:
		if v == nil {
			return nil, nil
		}
		return *v, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

// timeLayouts are the text forms of times that scanning into time.Time
// understands: what _time_format=sqlite writes, SQLite's own date functions,
// and RFC 3339.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02T15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a time", s)
}

var errNull = errors.New("NULL into a non-nullable destination; scan into a pointer or sql.Null")

// scanValue stores src, a value modernc.org/sqlite returned (int64, float64,
// bool, []byte, string, time.Time or nil), into dest.
func scanValue(src driver.Value, dest any) error {
	switch d := dest.(type) {
	case *any:
		*d = src
		return nil
	case *int64:
		n, err := asInt(src, 64)
		*d = n
		return err
	case *int:
		n, err := asInt(src, strconv.IntSize)
		*d = int(n)
		return err
	case *int32:
		n, err := asInt(src, 32)
		*d = int32(n)
		return err
	case *float64:
		f, err := asFloat(src)
		*d = f
		return err
	case *string:
		s, err := asString(src)
		*d = s
		return err
	case *bool:
		b, err := asBool(src)
		*d = b
		return err
	case *time.Time:
		t, err := asTime(src)
		*d = t
		return err
	case *[]byte:
		switch v := src.(type) {
		case nil:
			*d = nil
		case []byte:
			*d = v // the driver's copy; not reused
		case string:
			*d = []byte(v)
		default:
			return fmt.Errorf("cannot scan %T into []byte", src)
		}
		return nil
	case sql.Scanner:
		return d.Scan(src)
	case nil:
		return errors.New("nil destination")
	}
	return scanReflect(src, reflect.ValueOf(dest))
}

// scanReflect handles destinations of other types: pointers to pointers,
// named types, other integer and float sizes.
func scanReflect(src driver.Value, dp reflect.Value) error {
	if dp.Kind() != reflect.Pointer || dp.IsNil() {
		return fmt.Errorf("destination %s is not a non-nil pointer", dp.Type())
	}
	dv := dp.Elem()
	if dv.Kind() == reflect.Pointer {
		if src == nil {
			dv.SetZero()
			return nil
		}
		p := reflect.New(dv.Type().Elem())
		if err := scanValue(src, p.Interface()); err != nil {
			return err
		}
		dv.Set(p)
		return nil
	}
	switch dv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := asInt(src, dv.Type().Bits())
		if err == nil {
			dv.SetInt(n)
		}
		return err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := asInt(src, 64)
		if err == nil && (n < 0 || dv.OverflowUint(uint64(n))) {
			err = fmt.Errorf("%d out of range for %s", n, dv.Type())
		}
		if err == nil {
			dv.SetUint(uint64(n))
		}
		return err
	case reflect.Float32, reflect.Float64:
		f, err := asFloat(src)
		if err == nil {
			dv.SetFloat(f)
		}
		return err
	case reflect.String:
		s, err := asString(src)
		if err == nil {
			dv.SetString(s)
		}
		return err
	case reflect.Bool:
		b, err := asBool(src)
		if err == nil {
			dv.SetBool(b)
		}
		return err
	case reflect.Slice:
		if dv.Type().Elem().Kind() == reflect.Uint8 {
			switch v := src.(type) {
			case nil:
				dv.SetZero()
				return nil
			case []byte:
				dv.SetBytes(v)
				return nil
			case string:
				dv.SetBytes([]byte(v))
				return nil
			}
		}
	}
	return fmt.Errorf("cannot scan %T into %s", src, dv.Type())
}

func asInt(src driver.Value, bits int) (int64, error) {
	var n int64
	switch v := src.(type) {
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) {
			return 0, fmt.Errorf("cannot scan %v into an integer without losing its fraction", v)
		}
		n = int64(v)
	case bool:
		if v {
			n = 1
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(v, 10, bits); err != nil {
			return 0, fmt.Errorf("cannot scan %q into an integer", v)
		}
	case []byte:
		return asInt(string(v), bits)
	case nil:
		return 0, errNull
	default:
		return 0, fmt.Errorf("cannot scan %T into an integer", src)
	}
	if bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1) {
		return 0, fmt.Errorf("%d out of range for a %d-bit integer", n, bits)
	}
	return n, nil
}

func asFloat(src driver.Value) (float64, error) {
	switch v := src.(type) {
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("cannot scan %q into a float", v)
		}
		return f, nil
	case []byte:
		return asFloat(string(v))
	case nil:
		return 0, errNull
	}
	return 0, fmt.Errorf("cannot scan %T into a float", src)
}

func asString(src driver.Value) (string, error) {
	switch v := src.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		return v.Format("2006-01-02 15:04:05.999999999-07:00"), nil
	case nil:
		return "", errNull
	}
	return "", fmt.Errorf("cannot scan %T into a string", src)
}

func asBool(src driver.Value) (bool, error) {
	switch v := src.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("cannot scan %q into a bool", v)
		}
		return b, nil
	case nil:
		return false, errNull
	}
	return false, fmt.Errorf("cannot scan %T into a bool", src)
}

func asTime(src driver.Value) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case string:
		return parseTime(v)
	case []byte:
		return parseTime(string(v))
	case int64:
		return time.Unix(v, 0).UTC(), nil
	case nil:
		return time.Time{}, errNull
	}
	return time.Time{}, fmt.Errorf("cannot scan %T into a time", src)
}
