// Package ore is a typed SQL toolkit for PostgreSQL and SQLite: tables and
// columns declared as Go values, a complete SQL expression language checked
// by the compiler, and an engine with a connection pool, transactions and
// typed results.
//
// # Tables
//
// A table is a struct embedding [Table] whose fields are typed columns,
// constructed once with [NewTable]:
//
//	type usersTable struct {
//		ore.Table
//		ID    ore.Col[int64]   `ore:"id,pk,identity"`
//		Name  ore.Col[string]  `ore:"name"`
//		Email ore.Col[*string] `ore:"email,unique"`
//	}
//
//	var Users = ore.NewTable[usersTable]("users")
//
// The type parameter of a column is the Go type of its values; a nullable
// column has a pointer (or sql.Null) type. It is what keeps expressions
// honest: Users.ID.Eq(42) compiles, Users.ID.Eq("42") does not, and neither
// does comparing Users.ID with Users.Name.
//
// # Statements
//
// [Select], [Insert], [Update] and [Delete] build statements as immutable
// values: every method returns a new statement, so a base query can be
// shared and extended. A SELECT carries the Go type of its rows: Select[R]
// names it, [Select1]...[Select6] derive it from the columns.
//
//	q := ore.Select2(Users.ID, Users.Name).
//		From(Users).
//		Where(Users.Name.Eq("ann"), Users.Email.IsNotNull()).
//		OrderBy(Users.ID.Desc()).
//		Limit(10)
//
// Values are always bound as arguments, never written into the SQL, and
// identifiers are always quoted. A statement built from bad input (a nil
// table, an empty IN list, a negative limit) records the first error, which
// compiling or running it returns; nothing panics.
//
// # Compiling
//
// Statements compile for a dialect, dialect/postgres or dialect/sqlite:
//
//	sql, err := ore.Compile(postgres.Dialect{}, q)
//	// SELECT "users"."id", "users"."name" FROM "users" WHERE ... LIMIT $3
//
// A statement that needs a feature the database lacks (DISTINCT ON on
// SQLite, say) fails to compile with an error naming the feature and the
// database. Package compile holds the syntax tree and the compiler.
//
// # Running
//
// [Open] returns a [DB]: a driver, a pool of its connections and a cache of
// compiled statements. The generic functions [All], [One], [First], [Each]
// and [Scalar] run a query and scan its rows into the query's row type:
//
//	db, err := ore.Open(ctx, drv, ore.Options{})
//	rows, err := ore.All(ctx, db, q) // []ore.Row2[int64, string]
//
// [DB.Begin] starts a transaction ([Tx]), which nests with savepoints;
// [InTx] runs a function in a transaction and retries it on serialization
// failures and deadlocks. Database errors are classified the same on every
// database ([ErrUniqueViolation], [ErrSerializationFailure], ...).
// [DB.Listen] observes every statement and transaction, and [Options].Echo
// logs them.
package ore
