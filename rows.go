package ore

// Row2 is a row of two typed columns, as [Select2] returns them.
type Row2[A, B any] struct {
	V1 A
	V2 B
}

// Values returns the row's columns.
func (r Row2[A, B]) Values() (A, B) { return r.V1, r.V2 }

// Row3 is a row of three typed columns, as [Select3] returns them.
type Row3[A, B, C any] struct {
	V1 A
	V2 B
	V3 C
}

// Values returns the row's columns.
func (r Row3[A, B, C]) Values() (A, B, C) { return r.V1, r.V2, r.V3 }

// Row4 is a row of four typed columns, as [Select4] returns them.
type Row4[A, B, C, D any] struct {
	V1 A
	V2 B
	V3 C
	V4 D
}

// Values returns the row's columns.
func (r Row4[A, B, C, D]) Values() (A, B, C, D) { return r.V1, r.V2, r.V3, r.V4 }

// Row5 is a row of five typed columns, as [Select5] returns them.
type Row5[A, B, C, D, E any] struct {
	V1 A
	V2 B
	V3 C
	V4 D
	V5 E
}

// Values returns the row's columns.
func (r Row5[A, B, C, D, E]) Values() (A, B, C, D, E) { return r.V1, r.V2, r.V3, r.V4, r.V5 }

// Row6 is a row of six typed columns, as [Select6] returns them.
type Row6[A, B, C, D, E, F any] struct {
	V1 A
	V2 B
	V3 C
	V4 D
	V5 E
	V6 F
}

// Values returns the row's columns.
func (r Row6[A, B, C, D, E, F]) Values() (A, B, C, D, E, F) {
	return r.V1, r.V2, r.V3, r.V4, r.V5, r.V6
}
