package ore

import (
	"github.com/ore-go/ore/compile"
)

// Window is a window specification for window functions: partitioning,
// ordering and frame. The zero Window is the whole result as one partition.
// Like the statements it is immutable; each method returns a new Window.
//
//	w := ore.Window{}.PartitionBy(Tracks.AlbumID).OrderBy(Tracks.Milliseconds.Desc())
//	ore.Over(ore.RowNumber(), w)
type Window struct {
	w compile.Window
}

// PartitionBy returns the window with exprs added to its PARTITION BY.
func (w Window) PartitionBy(exprs ...Selectable) Window {
	w.w.PartitionBy = append(w.w.PartitionBy[:len(w.w.PartitionBy):len(w.w.PartitionBy)], nodesOf(exprs)...)
	return w
}

// OrderBy returns the window with terms added to its ORDER BY.
func (w Window) OrderBy(terms ...OrderTerm) Window {
	w.w.OrderBy = append(w.w.OrderBy[:len(w.w.OrderBy):len(w.w.OrderBy)], orderNodes(terms)...)
	return w
}

// Base returns the window building on the named window name of the
// statement's WINDOW clause.
func (w Window) Base(name string) Window {
	w.w.Base = name
	return w
}

// Rows returns the window with the frame ROWS BETWEEN start AND end.
func (w Window) Rows(start, end FrameBound) Window { return w.frame(compile.FrameRows, start, end) }

// Range returns the window with the frame RANGE BETWEEN start AND end.
func (w Window) Range(start, end FrameBound) Window { return w.frame(compile.FrameRange, start, end) }

// Groups returns the window with the frame GROUPS BETWEEN start AND end.
func (w Window) Groups(start, end FrameBound) Window {
	return w.frame(compile.FrameGroups, start, end)
}

func (w Window) frame(mode compile.FrameMode, start, end FrameBound) Window {
	e := end.b
	w.w.Frame = &compile.Frame{Mode: mode, Start: start.b, End: &e}
	return w
}

// ExcludeCurrentRow returns the window whose frame leaves out the current
// row. It needs a frame first; without one it does nothing.
func (w Window) ExcludeCurrentRow() Window { return w.exclude(compile.ExcludeCurrentRow) }

// ExcludeGroup returns the window whose frame leaves out the current row's
// peers.
func (w Window) ExcludeGroup() Window { return w.exclude(compile.ExcludeGroup) }

// ExcludeTies returns the window whose frame leaves out the current row's
// peers but not the row itself.
func (w Window) ExcludeTies() Window { return w.exclude(compile.ExcludeTies) }

func (w Window) exclude(x compile.FrameExclusion) Window {
	if w.w.Frame != nil {
		f := *w.w.Frame
		f.Exclude = x
		w.w.Frame = &f
	}
	return w
}

// FrameBound is one end of a window frame.
type FrameBound struct {
	b compile.FrameBound
}

// UnboundedPreceding is the frame bound UNBOUNDED PRECEDING.
func UnboundedPreceding() FrameBound {
	return FrameBound{compile.FrameBound{Kind: compile.UnboundedPreceding}}
}

// Preceding is the frame bound n PRECEDING (n rows, peer groups, or units
// of the ordering value, by frame mode).
func Preceding(n int64) FrameBound {
	return FrameBound{compile.FrameBound{Kind: compile.Preceding, Offset: bind(n)}}
}

// CurrentRow is the frame bound CURRENT ROW.
func CurrentRow() FrameBound { return FrameBound{compile.FrameBound{Kind: compile.CurrentRow}} }

// Following is the frame bound n FOLLOWING.
func Following(n int64) FrameBound {
	return FrameBound{compile.FrameBound{Kind: compile.Following, Offset: bind(n)}}
}

// UnboundedFollowing is the frame bound UNBOUNDED FOLLOWING.
func UnboundedFollowing() FrameBound {
	return FrameBound{compile.FrameBound{Kind: compile.UnboundedFollowing}}
}

// Over returns the function call f evaluated over the window w: a window
// function, or an aggregate used as one (ore.Over(ore.Sum(x), w)).
func Over[T any](f Expr[T], w Window) Expr[T] {
	win := w.w
	return withFunc(f, "Over", func(fn *compile.Func) { fn.Over, fn.OverName = &win, "" })
}

// OverWindow returns the function call f evaluated over the window name
// defined by the statement's Window method.
func OverWindow[T any](f Expr[T], name string) Expr[T] {
	return withFunc(f, "OverWindow", func(fn *compile.Func) { fn.Over, fn.OverName = nil, name })
}

// RowNumber returns row_number(), the row's position in its partition.
// Use it with [Over].
func RowNumber() Expr[int64] { return call[int64]("row_number") }

// Rank returns rank(): the row's rank with gaps for ties.
func Rank() Expr[int64] { return call[int64]("rank") }

// DenseRank returns dense_rank(): the row's rank without gaps.
func DenseRank() Expr[int64] { return call[int64]("dense_rank") }

// PercentRank returns percent_rank(): (rank - 1) / (rows - 1).
func PercentRank() Expr[float64] { return call[float64]("percent_rank") }

// CumeDist returns cume_dist(): the fraction of rows up to the row's peers.
func CumeDist() Expr[float64] { return call[float64]("cume_dist") }

// Ntile returns ntile(n): the bucket, 1 to n, the row falls into.
func Ntile(n int64) Expr[int64] { return call[int64]("ntile", bind(n)) }

// Lag returns lag(e, offset, def): e's value offset rows before the current
// row in the partition, or def where there is none. A nil def gives NULL
// there, so T should then be nullable.
func Lag[T any](e Expr[T], offset int64, def Expr[T]) Expr[T] {
	return offsetFunc("lag", e, offset, def)
}

// Lead returns lead(e, offset, def): as [Lag], offset rows after.
func Lead[T any](e Expr[T], offset int64, def Expr[T]) Expr[T] {
	return offsetFunc("lead", e, offset, def)
}

func offsetFunc[T any](name string, e Expr[T], offset int64, def Expr[T]) Expr[T] {
	args := []compile.Expr{nodeOf(e), bind(offset)}
	if def != nil {
		args = append(args, nodeOf(def))
	}
	return call[T](name, args...)
}

// FirstValue returns first_value(e): e at the first row of the frame.
func FirstValue[T any](e Expr[T]) Expr[T] { return call[T]("first_value", nodeOf(e)) }

// LastValue returns last_value(e): e at the last row of the frame.
func LastValue[T any](e Expr[T]) Expr[T] { return call[T]("last_value", nodeOf(e)) }

// NthValue returns nth_value(e, n): e at the n-th row of the frame (from 1).
func NthValue[T any](e Expr[T], n int64) Expr[T] { return call[T]("nth_value", nodeOf(e), bind(n)) }
