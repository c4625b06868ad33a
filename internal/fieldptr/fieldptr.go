// Package fieldptr makes typed pointers to struct fields from their
// offsets, for scanning rows into structs: without reflection for the
// common field types, with it for the rest.
package fieldptr

import (
	"reflect"
	"time"
	"unsafe"
)

// Field is where a value lives in a struct: its offset from the struct's
// start and its type.
type Field struct {
	Offset uintptr
	Type   reflect.Type
	kind   kind
}

// New returns the Field at offset of type t.
func New(offset uintptr, t reflect.Type) Field {
	return Field{Offset: offset, Type: t, kind: kinds[t]}
}

// kind names the common field types, whose pointers are made without
// reflection.
type kind uint8

const (
	other kind = iota
	kInt64
	kInt32
	kInt
	kFloat64
	kString
	kBool
	kTime
	kBytes
	kPtrInt64
	kPtrString
	kPtrFloat64
	kPtrTime
)

var kinds = map[reflect.Type]kind{
	reflect.TypeFor[int64]():      kInt64,
	reflect.TypeFor[int32]():      kInt32,
	reflect.TypeFor[int]():        kInt,
	reflect.TypeFor[float64]():    kFloat64,
	reflect.TypeFor[string]():     kString,
	reflect.TypeFor[bool]():       kBool,
	reflect.TypeFor[time.Time]():  kTime,
	reflect.TypeFor[[]byte]():     kBytes,
	reflect.TypeFor[*int64]():     kPtrInt64,
	reflect.TypeFor[*string]():    kPtrString,
	reflect.TypeFor[*float64]():   kPtrFloat64,
	reflect.TypeFor[*time.Time](): kPtrTime,
}

// Pointer returns a pointer to the field of the struct at base, typed as
// *Type and boxed in an interface (which costs no allocation: it is a
// pointer).
func (f Field) Pointer(base unsafe.Pointer) any {
	p := unsafe.Add(base, f.Offset)
	switch f.kind {
	case kInt64:
		return (*int64)(p)
	case kInt32:
		return (*int32)(p)
	case kInt:
		return (*int)(p)
	case kFloat64:
		return (*float64)(p)
	case kString:
		return (*string)(p)
	case kBool:
		return (*bool)(p)
	case kTime:
		return (*time.Time)(p)
	case kBytes:
		return (*[]byte)(p)
	case kPtrInt64:
		return (**int64)(p)
	case kPtrString:
		return (**string)(p)
	case kPtrFloat64:
		return (**float64)(p)
	case kPtrTime:
		return (**time.Time)(p)
	}
	return reflect.NewAt(f.Type, p).Interface()
}

// Value returns the field's value, boxed.
func (f Field) Value(base unsafe.Pointer) any {
	p := unsafe.Add(base, f.Offset)
	switch f.kind {
	case kInt64:
		return *(*int64)(p)
	case kInt32:
		return *(*int32)(p)
	case kInt:
		return *(*int)(p)
	case kFloat64:
		return *(*float64)(p)
	case kString:
		return *(*string)(p)
	case kBool:
		return *(*bool)(p)
	case kTime:
		return *(*time.Time)(p)
	case kBytes:
		return *(*[]byte)(p)
	case kPtrInt64:
		return *(**int64)(p)
	case kPtrString:
		return *(**string)(p)
	case kPtrFloat64:
		return *(**float64)(p)
	case kPtrTime:
		return *(**time.Time)(p)
	}
	return reflect.NewAt(f.Type, p).Elem().Interface()
}
