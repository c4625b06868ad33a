// Package compile holds ore's SQL syntax tree and the compiler that renders
// it as SQL text with bound arguments for one database.
//
// It is to SQL what go/ast and go/printer are to Go: plain, untyped nodes
// with exported fields, and one compiler that walks them. The typed API that
// users write (package ore) builds these nodes; the database packages under
// dialect/ tell the compiler how their SQL differs, through the small
// [Dialect] interface and its optional hooks. This package imports nothing
// else of ore's.
//
// # Nodes
//
// Node classes are sealed interfaces: [Expr] for expressions, [FromItem] for
// what stands in FROM, [Stmt] for statements and [Query] for statements that
// can be nested. Optional children are nil when absent.
//
// # Compiling
//
// [Compile] renders a statement for a dialect and returns a [Compiled]: the
// SQL text and its arguments. Values are always bound, never written into
// the text, so the text depends only on the statement's shape. That makes
// [Cache] possible: it keys compiled text by shape and skips rendering for
// shapes it has seen. Parentheses follow operator precedence; identifiers
// are always quoted.
//
// A statement the dialect cannot express (DISTINCT ON on SQLite, say) fails
// with an [UnsupportedError] naming the feature and the dialect; malformed
// nodes fail with an error naming the problem. The compiler never produces
// SQL it knows to be wrong, and never panics on user input.
//
// [DebugSQL] writes values inline, for reading only.
package compile
