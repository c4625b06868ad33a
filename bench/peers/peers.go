// Package peers builds the same four statements with ore and with other Go
// query builders (squirrel, goqu, jet, bob, bun), for benchmarks that compare
// the cost of producing SQL text and arguments.
//
// Each library builds its statements the way its documentation shows,
// choosing the cheaper of two documented forms where there are two. Every
// builder takes [Values] and returns what the library's "to SQL" returns:
// the text and the arguments. bun has no such function: its queries write
// the values into the SQL text, so its builders return no arguments.
//
// This is a module of its own so that ore never depends on its peers.
package peers

import (
	"strconv"
	"testing"

	"github.com/ore-go/ore/bench/peers/table"
)

// Statement is one of the benchmarked statements.
type Statement int

// The benchmarked statements, on a table of users and a table of their
// orders.
const (
	// SelectByID is SELECT id, name, email FROM users WHERE id = $1.
	SelectByID Statement = iota
	// JoinGroupBy is the users with more than $2 orders of status $1, by the
	// sum of those orders, at most $3 of them: a join with WHERE, GROUP BY,
	// HAVING, ORDER BY and LIMIT.
	JoinGroupBy
	// InsertReturning is INSERT INTO users (name, email) VALUES ($1, $2)
	// RETURNING id.
	InsertReturning
	// UpdateByID is UPDATE users SET name = $1, email = $2 WHERE id = $3.
	UpdateByID

	NumStatements = iota
)

var statementNames = [NumStatements]string{"SelectByID", "JoinGroupBy", "InsertReturning", "UpdateByID"}

func (s Statement) String() string {
	if s < 0 || s >= NumStatements {
		return "Statement(" + strconv.Itoa(int(s)) + ")"
	}
	return statementNames[s]
}

// Values are what a statement binds. JoinGroupBy uses Status, MinOrders and
// Limit; the others ID, Name and Email.
type Values struct {
	ID          int64
	Name, Email string
	Status      string
	MinOrders   int64
	Limit       int
}

var (
	names    [64]string
	emails   [64]string
	statuses = [...]string{"paid", "open", "refunded", "void"}
)

func init() {
	for i := range names {
		names[i] = "user" + strconv.Itoa(i)
		emails[i] = names[i] + "@example.com"
	}
}

// ValuesOf returns values derived from a loop counter, so that every
// iteration of a benchmark binds different ones without paying for making
// them.
func ValuesOf(i int) Values {
	return Values{
		ID:        int64(i),
		Name:      names[i%len(names)],
		Email:     emails[i%len(emails)],
		Status:    statuses[i%len(statuses)],
		MinOrders: int64(i % 10),
		Limit:     i%100 + 1,
	}
}

// Builder builds one statement with one library and renders it: SQL text
// and arguments.
type Builder func(v Values) (sql string, args []any, err error)

// Library is a query builder and its four statements.
type Library struct {
	Name string
	// Inlines reports that the library writes values into the SQL text
	// instead of binding them, so its text changes with every value and
	// its arguments are empty.
	Inlines bool
	Build   [NumStatements]Builder
}

// Libraries are the compared libraries, ore first.
var Libraries = []Library{
	{Name: "ore", Build: [NumStatements]Builder{oreSelectByID, oreJoinGroupBy, oreInsertReturning, oreUpdateByID}},
	{Name: "squirrel", Build: [NumStatements]Builder{squirrelSelectByID, squirrelJoinGroupBy, squirrelInsertReturning, squirrelUpdateByID}},
	{Name: "goqu", Build: [NumStatements]Builder{goquSelectByID, goquJoinGroupBy, goquInsertReturning, goquUpdateByID}},
	{Name: "jet", Build: jetStatements(table.Users, table.Orders)},
	{Name: "bob", Build: [NumStatements]Builder{bobSelectByID, bobJoinGroupBy, bobInsertReturning, bobUpdateByID}},
	{Name: "bun", Inlines: true, Build: [NumStatements]Builder{bunSelectByID, bunJoinGroupBy, bunInsertReturning, bunUpdateByID}},
}

// Sinks keep the benchmarks' results alive, so that the compiler cannot drop
// the work.
var (
	sinkSQL  string
	sinkArgs []any
)

// Benchmark runs build with values that change every iteration, reporting
// allocations.
func Benchmark(b *testing.B, build Builder) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sql, args, err := build(ValuesOf(i))
		if err != nil {
			b.Fatal(err)
		}
		sinkSQL, sinkArgs = sql, args
	}
}
