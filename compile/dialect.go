package compile

import (
	"math/bits"
	"strings"
)

// Dialect is what the compiler needs to know about a database's SQL: how to
// quote identifiers and write placeholders, which optional features exist,
// and the names of types in CAST. It is implemented once per database, in
// that database's package under dialect/.
//
// Decisions go through Features, never through Name: a third database must
// not need changes here.
//
// A Dialect may also implement the optional hook interfaces of this package
// ([LimitOffsetCompiler], [InListCompiler]) to render a clause its own way.
type Dialect interface {
	// Name is the database's name as used in error messages ("postgres").
	Name() string

	// Features reports the optional features the database supports.
	Features() Feature

	// AppendIdent appends name quoted as an identifier to b. Quoting must be
	// unconditional, so that any string, including one containing the quote
	// character (which is doubled), round-trips as the same identifier.
	AppendIdent(b []byte, name string) []byte

	// AppendPlaceholder appends the placeholder for the n-th bound argument
	// (counting from 1) to b: "$1" or "?".
	AppendPlaceholder(b []byte, n int) []byte

	// CastType returns the type name used in CAST(x AS name) for t, or false
	// if the database has no such type.
	CastType(t Type) (string, bool)

	// ColumnType returns the type name a column of type t is declared with
	// in CREATE TABLE, or false if the database has no such type.
	ColumnType(t Type) (string, bool)
}

// LimitOffsetCompiler is an optional interface that may be implemented by a
// Dialect. If a Dialect does not implement it, the compiler renders
// " LIMIT limit OFFSET offset", leaving out either part that is nil; a
// Dialect implements it when, for example, OFFSET needs a LIMIT.
type LimitOffsetCompiler interface {
	// CompileLimitOffset writes the LIMIT/OFFSET clause, starting with a
	// space. At least one of limit and offset is non-nil.
	CompileLimitOffset(c *Compiler, limit, offset Expr)
}

// IdentQuoter is an optional interface that may be implemented by a
// Dialect whose AppendIdent encloses a name in one quote character and
// doubles that character inside it, as AppendQuoted does. The compiler then
// checks and quotes identifiers itself, in one pass; if a Dialect does not
// implement it, the compiler calls AppendIdent.
type IdentQuoter interface {
	IdentQuote() byte
}

// InListCompiler is an optional interface that may be implemented by a
// Dialect. The compiler offers it every IN list longer than
// [InListHookThreshold] whose elements are all bound values; if the Dialect
// does not implement it, or returns false, the compiler writes one
// placeholder per value, padding the list to a power of two by repeating the
// last value so that lists of similar length share one SQL text.
type InListCompiler interface {
	// CompileInList writes x [NOT] IN (values) in a form of its own, such as
	// x = ANY($1) with an array argument, and reports whether it did.
	CompileInList(c *Compiler, x Expr, values []any, not bool) bool
}

// ForeignKeyDeferrer is an optional interface that may be implemented by a
// Dialect whose foreign keys are checked statement by statement and that
// cannot drop them with ALTER TABLE. Dropping tables whose rows refer to
// each other then needs the checks deferred to the commit; if a Dialect
// does not implement it, nothing is deferred.
type ForeignKeyDeferrer interface {
	// DeferForeignKeysSQL returns the statement that defers foreign key
	// checks to the end of the current transaction.
	DeferForeignKeysSQL() string
}

// InListHookThreshold is the length above which an IN list of bound values is
// offered to [InListCompiler].
const InListHookThreshold = 16

// Feature is a set of optional SQL features, one bit each.
type Feature uint64

// The optional features. A Dialect reports the ones its database has; the
// compiler returns an [UnsupportedError] naming the feature when a statement
// needs one that is missing, or uses the documented fallback.
const (
	FeatReturning              Feature = 1 << iota // INSERT/UPDATE/DELETE ... RETURNING
	FeatILike                                      // ILIKE (else lower(x) LIKE lower(y))
	FeatDistinctOn                                 // SELECT DISTINCT ON (...)
	FeatRightJoin                                  // RIGHT JOIN
	FeatFullJoin                                   // FULL JOIN
	FeatLateral                                    // LATERAL subqueries in FROM
	FeatDeleteUsing                                // DELETE ... USING (else WHERE EXISTS (...))
	FeatUpdateFrom                                 // UPDATE ... FROM
	FeatOnConflict                                 // INSERT ... ON CONFLICT
	FeatOnConstraint                               // ON CONFLICT ON CONSTRAINT name
	FeatRowLocking                                 // SELECT ... FOR UPDATE / FOR SHARE
	FeatKeyLocking                                 // FOR NO KEY UPDATE / FOR KEY SHARE
	FeatLockWait                                   // NOWAIT / SKIP LOCKED
	FeatLockOf                                     // FOR UPDATE OF table
	FeatSetOpAll                                   // INTERSECT ALL / EXCEPT ALL
	FeatParenSetOperands                           // (SELECT ...) UNION (SELECT ...)
	FeatDMLInCTE                                   // INSERT/UPDATE/DELETE inside WITH
	FeatCTEMaterialized                            // WITH x AS [NOT] MATERIALIZED
	FeatWindowFunctions                            // OVER (...) and WINDOW
	FeatNullsOrder                                 // ORDER BY ... NULLS FIRST/LAST
	FeatAggregateFilter                            // aggregate FILTER (WHERE ...)
	FeatReturningQualified                         // RETURNING may name joined tables' columns, qualify by alias, use table.*
	FeatUpsertSelectNeedsWhere                     // INSERT ... SELECT ... ON CONFLICT needs a WHERE in the SELECT
	FeatSavepoints                                 // SAVEPOINT / RELEASE / ROLLBACK TO
	FeatTransactionalDDL                           // DDL inside a transaction can be rolled back
	FeatSequences                                  // CREATE SEQUENCE and nextval
	FeatSchemas                                    // several schemas (namespaces) per database
	FeatDefaultKeyword                             // DEFAULT as a value in INSERT VALUES and UPDATE SET
	FeatIdentity                                   // GENERATED BY DEFAULT AS IDENTITY columns
	FeatAlterForeignKeys                           // ALTER TABLE ADD/DROP CONSTRAINT for foreign keys
	// FeatOrderedInsertKeys: a multi-row INSERT draws generated integer keys
	// in the order of its VALUES rows, so the keys it returns, sorted, match
	// the rows (how the ORM batches inserts of objects with generated keys).
	FeatOrderedInsertKeys
	featEnd
)

var featureNames = [...]string{
	"RETURNING",
	"ILIKE",
	"DISTINCT ON",
	"RIGHT JOIN",
	"FULL JOIN",
	"LATERAL",
	"DELETE USING",
	"UPDATE FROM",
	"ON CONFLICT",
	"ON CONFLICT ON CONSTRAINT",
	"FOR UPDATE/FOR SHARE",
	"FOR NO KEY UPDATE/FOR KEY SHARE",
	"NOWAIT/SKIP LOCKED",
	"FOR UPDATE OF",
	"INTERSECT ALL/EXCEPT ALL",
	"parenthesized set operands",
	"data-modifying statements in WITH",
	"MATERIALIZED common table expressions",
	"window functions",
	"NULLS FIRST/LAST",
	"aggregate FILTER",
	"RETURNING of qualified or joined tables' columns",
	"WHERE in INSERT ... SELECT ... ON CONFLICT",
	"savepoints",
	"transactional DDL",
	"sequences",
	"schemas",
	"DEFAULT in VALUES and SET",
	"identity columns",
	"ALTER TABLE ADD/DROP CONSTRAINT",
	"generated keys in VALUES order",
}

// Has reports whether f contains every feature of g.
func (f Feature) Has(g Feature) bool { return f&g == g }

// String returns the names of the features in f, separated by commas.
func (f Feature) String() string {
	var names []string
	for f != 0 {
		i := bits.TrailingZeros64(uint64(f))
		f &^= 1 << i
		if i < len(featureNames) {
			names = append(names, featureNames[i])
		} else {
			names = append(names, "unknown feature")
		}
	}
	return strings.Join(names, ", ")
}

// AppendQuoted appends s to b enclosed in quote characters, doubling every
// quote character inside s. Dialects use it to implement AppendIdent.
func AppendQuoted(b []byte, s string, quote byte) []byte {
	b = append(b, quote)
	for {
		i := strings.IndexByte(s, quote)
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, quote)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, quote)
}
