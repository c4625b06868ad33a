package compile

// TypeKind is the dialect-neutral kind of an SQL type.
type TypeKind uint8

// The type kinds. Each dialect maps them to its own type names.
const (
	TypeUnknown     TypeKind = iota
	TypeBool                 // boolean
	TypeSmallInt             // 16-bit integer
	TypeInt                  // 32-bit integer
	TypeBigInt               // 64-bit integer
	TypeReal                 // 32-bit float
	TypeDouble               // 64-bit float
	TypeNumeric              // exact decimal, with Precision and Scale if set
	TypeText                 // unbounded text
	TypeVarchar              // text of at most Length characters
	TypeBytes                // binary string
	TypeDate                 // calendar date
	TypeTime                 // time of day
	TypeTimestamp            // date and time without time zone
	TypeTimestampTZ          // date and time with time zone
	TypeUUID                 // UUID
	TypeJSON                 // JSON document
	TypeNamed                // a database-specific type given by Name
)

// Type is a dialect-neutral SQL type.
type Type struct {
	Kind      TypeKind
	Length    int    // for TypeVarchar; zero means unbounded
	Precision int    // for TypeNumeric; zero means unconstrained
	Scale     int    // for TypeNumeric
	Name      string // for TypeNamed: the type name, written as given
}

var typeKindNames = [...]string{
	TypeUnknown:     "unknown",
	TypeBool:        "bool",
	TypeSmallInt:    "smallint",
	TypeInt:         "int",
	TypeBigInt:      "bigint",
	TypeReal:        "real",
	TypeDouble:      "double",
	TypeNumeric:     "numeric",
	TypeText:        "text",
	TypeVarchar:     "varchar",
	TypeBytes:       "bytes",
	TypeDate:        "date",
	TypeTime:        "time",
	TypeTimestamp:   "timestamp",
	TypeTimestampTZ: "timestamptz",
	TypeUUID:        "uuid",
	TypeJSON:        "json",
	TypeNamed:       "named",
}

// String returns the kind's name, for messages.
func (k TypeKind) String() string {
	if int(k) < len(typeKindNames) {
		return typeKindNames[k]
	}
	return "unknown"
}

// String returns a readable form of t, for messages.
func (t Type) String() string {
	if t.Kind == TypeNamed {
		return t.Name
	}
	return t.Kind.String()
}
