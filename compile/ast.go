package compile

// ----------------------------------------------------------------------------
// Interfaces
//
// There are four classes of nodes: expressions, FROM items, statements and
// queries (statements that produce rows and may be nested). Each class is
// sealed with an unexported marker method, so only the node types declared in
// this file satisfy it.

// Node is implemented by every node of the syntax tree.
type Node interface {
	node()
}

// Expr is implemented by every expression node.
type Expr interface {
	Node
	exprNode()
}

// FromItem is implemented by every node that may stand in a FROM clause.
type FromItem interface {
	Node
	fromNode()
}

// Stmt is implemented by every statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Query is implemented by statements that produce rows and can be nested as
// subqueries: SELECT and compound (set operation) queries.
type Query interface {
	Stmt
	queryNode()
}

// ----------------------------------------------------------------------------
// Expressions

// BinaryOp is the operator of a Binary expression.
type BinaryOp uint8

// The binary operators. Their SQL text is in binaryOpText; comparison
// operators are non-associative, arithmetic ones left-associative.
const (
	OpEq                BinaryOp = iota + 1 // =
	OpNe                                    // <>
	OpLt                                    // <
	OpLe                                    // <=
	OpGt                                    // >
	OpGe                                    // >=
	OpIsDistinctFrom                        // IS DISTINCT FROM
	OpIsNotDistinctFrom                     // IS NOT DISTINCT FROM
	OpLike                                  // LIKE
	OpNotLike                               // NOT LIKE
	OpILike                                 // ILIKE; lower(x) LIKE lower(y) where the dialect lacks it
	OpNotILike                              // NOT ILIKE
	OpAdd                                   // +
	OpSub                                   // -
	OpMul                                   // *
	OpDiv                                   // /
	OpMod                                   // %
	OpConcat                                // ||
)

// UnaryOp is the operator of a Unary expression.
type UnaryOp uint8

// The unary operators.
const (
	OpNot       UnaryOp = iota + 1 // NOT x
	OpNeg                          // -x
	OpIsNull                       // x IS NULL
	OpIsNotNull                    // x IS NOT NULL
)

// LogicalOp is the operator of a Logical expression.
type LogicalOp uint8

// The logical operators.
const (
	OpAnd LogicalOp = iota + 1
	OpOr
)

// Keyword is the kind of a Literal.
type Keyword uint8

// The keywords a Literal can stand for. Values are always bound; these are
// the few constants that are part of a statement's shape.
const (
	KwNull             Keyword = iota + 1 // NULL
	KwTrue                                // TRUE
	KwFalse                               // FALSE
	KwDefault                             // DEFAULT (in INSERT values and UPDATE SET)
	KwCurrentTimestamp                    // the current transaction's timestamp (now())
)

type (
	// A Column node represents a reference to a column, qualified by its
	// table's alias or name.
	Column struct {
		Table *Table // table the column belongs to; or nil for an unqualified name
		Name  string // column name, unquoted
	}

	// A Star node represents * or table.*.
	Star struct {
		Table *Table // qualifying table; or nil for a bare *
	}

	// A Bind node represents a value bound as a statement argument.
	Bind struct {
		Value any // passed to the driver unchanged
	}

	// A Param node represents a named parameter whose value is supplied when
	// a compiled statement is executed. It is bound like a Bind node.
	Param struct {
		Name string
	}

	// A Literal node represents a keyword constant such as NULL or DEFAULT.
	Literal struct {
		Keyword Keyword
	}

	// A Raw node represents a fragment of SQL written by hand. Each "?" in
	// SQL is replaced by the next element of Args; "??" stands for a literal
	// question mark. Raw is an expression, a FROM item, a statement and a
	// query, so hand-written SQL can stand anywhere.
	Raw struct {
		SQL  string
		Args []Expr // one per "?"; Bind nodes for plain values
	}

	// A Binary node represents a binary operator expression.
	Binary struct {
		Op   BinaryOp
		X, Y Expr
	}

	// A Unary node represents a prefix or postfix unary operator expression.
	Unary struct {
		Op UnaryOp
		X  Expr
	}

	// A Logical node represents operands joined by AND or OR.
	Logical struct {
		Op   LogicalOp
		List []Expr // at least one operand
	}

	// An In node represents x [NOT] IN (list).
	In struct {
		X    Expr
		List []Expr // at least one element
		Not  bool
	}

	// An InQuery node represents x [NOT] IN (subquery).
	InQuery struct {
		X     Expr
		Query Query
		Not   bool
	}

	// A Between node represents x [NOT] BETWEEN lo AND hi.
	Between struct {
		X, Lo, Hi Expr
		Not       bool
	}

	// An Exists node represents [NOT] EXISTS (subquery).
	Exists struct {
		Query Query
		Not   bool
	}

	// A Subquery node represents a scalar subquery used as an expression.
	Subquery struct {
		Query Query
	}

	// A Func node represents a function call, including aggregate and window
	// function calls.
	Func struct {
		Name     string    // function name, written as given (not quoted)
		Args     []Expr    // arguments; empty for f()
		Star     bool      // f(*), as in count(*); Args must be empty
		Distinct bool      // f(DISTINCT args)
		Filter   Expr      // FILTER (WHERE ...); or nil
		Over     *Window   // OVER (...); or nil
		OverName string    // OVER name, a window of the query's WINDOW clause; or ""
		OrderBy  []OrderBy // ordered-set arguments: f(args ORDER BY ...); or nil
	}

	// A Case node represents a CASE expression.
	Case struct {
		Operand Expr   // CASE operand WHEN ...; or nil for a searched CASE
		Whens   []When // at least one
		Else    Expr   // or nil
	}

	// A Cast node represents CAST(x AS type).
	Cast struct {
		X    Expr
		Type Type
	}

	// A Tuple node represents a row value (a, b, ...).
	Tuple struct {
		List []Expr
	}

	// An Excluded node represents the row proposed for insertion in an
	// ON CONFLICT DO UPDATE clause: excluded.column.
	Excluded struct {
		Column string
	}

	// A Bad node stands for a part of a statement that could not be built,
	// such as an IN list with no values. Compiling it returns Err. Bad is an
	// expression, a FROM item and a query, so that any child can be one.
	Bad struct {
		Err error
	}

	// A Label node represents an expression given a name in a select list.
	// In the select list it renders as "x AS name", in ORDER BY as the name,
	// and anywhere else as x itself.
	Label struct {
		X    Expr
		Name string
	}
)

// A When is one WHEN ... THEN ... arm of a Case.
type When struct {
	Cond   Expr
	Result Expr
}

// ----------------------------------------------------------------------------
// Ordering and windows

// NullsOrder says where NULLs sort.
type NullsOrder uint8

// The NULLS orderings.
const (
	NullsDefault NullsOrder = iota // the database's default
	NullsFirst
	NullsLast
)

// An OrderBy is one item of an ORDER BY list.
type OrderBy struct {
	X     Expr
	Desc  bool
	Nulls NullsOrder
}

// FrameMode is the unit of a window frame.
type FrameMode uint8

// The frame modes.
const (
	FrameRows FrameMode = iota + 1
	FrameRange
	FrameGroups
)

// BoundKind is the kind of one end of a window frame.
type BoundKind uint8

// The frame bounds.
const (
	UnboundedPreceding BoundKind = iota + 1
	Preceding                    // Offset PRECEDING
	CurrentRow
	Following // Offset FOLLOWING
	UnboundedFollowing
)

// FrameExclusion is the EXCLUDE option of a window frame.
type FrameExclusion uint8

// The frame exclusions.
const (
	ExcludeNone FrameExclusion = iota // no EXCLUDE clause
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// A FrameBound is one end of a window frame.
type FrameBound struct {
	Kind   BoundKind
	Offset Expr // for Preceding and Following; otherwise nil
}

// A Frame is the frame clause of a window.
type Frame struct {
	Mode    FrameMode
	Start   FrameBound
	End     *FrameBound // or nil for a frame given by its start only
	Exclude FrameExclusion
}

// A Window is a window specification.
type Window struct {
	Base        string // an existing window's name to build on; or ""
	PartitionBy []Expr
	OrderBy     []OrderBy
	Frame       *Frame // or nil
}

// A NamedWindow is one entry of a SELECT's WINDOW clause.
type NamedWindow struct {
	Name   string
	Window *Window
}

// ----------------------------------------------------------------------------
// FROM items

// JoinKind is the kind of a Join.
type JoinKind uint8

// The join kinds.
const (
	InnerJoin JoinKind = iota + 1
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
)

type (
	// A Table node represents a table (or view, or common table expression)
	// reference.
	Table struct {
		Schema string // or "" for the search path's default
		Name   string
		Alias  string // or ""
	}

	// A Join node represents two FROM items joined.
	Join struct {
		Kind        JoinKind
		Left, Right FromItem
		On          Expr // join condition; nil for CROSS JOIN
		Lateral     bool // Right is LATERAL
	}

	// A Derived node represents a subquery in FROM: (query) AS alias.
	Derived struct {
		Query   Query
		Alias   string   // required
		Columns []string // optional column aliases
	}
)

// RefName returns the name by which the table's columns are qualified: its
// alias if it has one, else its name.
func (t *Table) RefName() string {
	if t.Alias != "" {
		return t.Alias
	}
	return t.Name
}

// ----------------------------------------------------------------------------
// Statements

// SetOp is the operator of a Compound query.
type SetOp uint8

// The set operators.
const (
	Union SetOp = iota + 1
	Intersect
	Except
)

// LockStrength is the strength of a row-locking clause.
type LockStrength uint8

// The lock strengths.
const (
	ForUpdate LockStrength = iota + 1
	ForNoKeyUpdate
	ForShare
	ForKeyShare
)

// LockWait says what a locking clause does when a row is locked already.
type LockWait uint8

// The lock wait policies.
const (
	LockWaitDefault LockWait = iota // wait
	NoWait
	SkipLocked
)

// Materialization is a common table expression's materialization hint.
type Materialization uint8

// The materialization hints.
const (
	MaterializeDefault Materialization = iota
	Materialized
	NotMaterialized
)

// A Lock is the row-locking clause of a SELECT.
type Lock struct {
	Strength LockStrength
	Of       []*Table // FOR UPDATE OF ...; or nil
	Wait     LockWait
}

// A With is a WITH clause.
type With struct {
	Recursive bool
	CTEs      []*CTE // at least one
}

// A CTE is one common table expression.
type CTE struct {
	Name         string
	Columns      []string // optional column names
	Stmt         Stmt     // a Query, or a data-modifying statement with RETURNING
	Materialized Materialization
}

// An Assign is one column = value pair of a SET list.
type Assign struct {
	Column string // unqualified column name
	Value  Expr
}

// ConflictAction says what ON CONFLICT does.
type ConflictAction uint8

// The conflict actions.
const (
	DoNothing ConflictAction = iota + 1
	DoUpdate
)

// An OnConflict is the ON CONFLICT clause of an INSERT.
type OnConflict struct {
	Target      []Expr // the unique index's columns or expressions; or nil
	TargetWhere Expr   // partial index predicate of the target; or nil
	Constraint  string // ON CONSTRAINT name; or "" (exclusive with Target)
	Action      ConflictAction
	Set         []Assign // for DoUpdate
	Where       Expr     // DO UPDATE ... WHERE; or nil
}

type (
	// A Select node represents a SELECT query.
	Select struct {
		With       *With  // or nil
		Distinct   bool   // SELECT DISTINCT
		DistinctOn []Expr // SELECT DISTINCT ON (...); or nil
		Columns    []Expr // select list; at least one
		From       []FromItem
		Where      Expr // or nil
		GroupBy    []Expr
		Having     Expr // or nil
		Windows    []NamedWindow
		OrderBy    []OrderBy
		Limit      Expr // or nil
		Offset     Expr // or nil
		Lock       *Lock
	}

	// A Compound node represents queries combined by a set operator:
	// left UNION [ALL] right, and so on. Chains nest to the left.
	Compound struct {
		With        *With // or nil
		Op          SetOp
		All         bool
		Left, Right Query
		OrderBy     []OrderBy
		Limit       Expr // or nil
		Offset      Expr // or nil
	}

	// An Insert node represents an INSERT statement. Exactly one of Rows,
	// Query and DefaultValues gives the rows.
	Insert struct {
		With          *With // or nil
		Table         *Table
		Columns       []string // unqualified column names
		Rows          [][]Expr // VALUES rows, each as long as Columns
		Query         Query    // INSERT ... SELECT; or nil
		DefaultValues bool
		OnConflict    *OnConflict // or nil
		Returning     []Expr
	}

	// An Update node represents an UPDATE statement.
	Update struct {
		With      *With // or nil
		Table     *Table
		Set       []Assign // at least one
		From      []FromItem
		Where     Expr // or nil
		Returning []Expr
	}

	// A Delete node represents a DELETE statement.
	Delete struct {
		With      *With // or nil
		Table     *Table
		Using     []FromItem
		Where     Expr // or nil
		Returning []Expr
	}
)

// ----------------------------------------------------------------------------
// Marker methods

func (*Column) node()   {}
func (*Star) node()     {}
func (*Bind) node()     {}
func (*Param) node()    {}
func (*Literal) node()  {}
func (*Raw) node()      {}
func (*Binary) node()   {}
func (*Unary) node()    {}
func (*Logical) node()  {}
func (*In) node()       {}
func (*InQuery) node()  {}
func (*Between) node()  {}
func (*Exists) node()   {}
func (*Subquery) node() {}
func (*Func) node()     {}
func (*Case) node()     {}
func (*Cast) node()     {}
func (*Tuple) node()    {}
func (*Excluded) node() {}
func (*Label) node()    {}
func (*Bad) node()      {}
func (*Table) node()    {}
func (*Join) node()     {}
func (*Derived) node()  {}
func (*Select) node()   {}
func (*Compound) node() {}
func (*Insert) node()   {}
func (*Update) node()   {}
func (*Delete) node()   {}

func (*Column) exprNode()   {}
func (*Star) exprNode()     {}
func (*Bind) exprNode()     {}
func (*Param) exprNode()    {}
func (*Literal) exprNode()  {}
func (*Raw) exprNode()      {}
func (*Binary) exprNode()   {}
func (*Unary) exprNode()    {}
func (*Logical) exprNode()  {}
func (*In) exprNode()       {}
func (*InQuery) exprNode()  {}
func (*Between) exprNode()  {}
func (*Exists) exprNode()   {}
func (*Subquery) exprNode() {}
func (*Func) exprNode()     {}
func (*Case) exprNode()     {}
func (*Cast) exprNode()     {}
func (*Tuple) exprNode()    {}
func (*Excluded) exprNode() {}
func (*Label) exprNode()    {}
func (*Bad) exprNode()      {}

func (*Table) fromNode()   {}
func (*Join) fromNode()    {}
func (*Derived) fromNode() {}
func (*Raw) fromNode()     {}
func (*Bad) fromNode()     {}

func (*Select) stmtNode()   {}
func (*Compound) stmtNode() {}
func (*Bad) stmtNode()      {}
func (*Raw) stmtNode()      {}
func (*Insert) stmtNode()   {}
func (*Update) stmtNode()   {}
func (*Delete) stmtNode()   {}

func (*Select) queryNode()   {}
func (*Compound) queryNode() {}
func (*Bad) queryNode()      {}
func (*Raw) queryNode()      {}

// ----------------------------------------------------------------------------
// Schema statements (DDL)

// FKAction is the referential action of a foreign key.
type FKAction uint8

// The referential actions. FKNoAction is the databases' default.
const (
	FKNoAction FKAction = iota
	FKRestrict
	FKCascade
	FKSetNull
	FKSetDefault
)

var fkActionText = [...]string{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"}

// String returns the action as SQL writes it.
func (a FKAction) String() string {
	if int(a) < len(fkActionText) {
		return fkActionText[a]
	}
	return "FKAction(?)"
}

// A ColumnSpec declares one column of a CreateTable.
type ColumnSpec struct {
	Name     string
	Type     Type
	NotNull  bool
	Default  Expr // server default; or nil. Values in it are written as literals.
	Identity bool // values generated by the database
}

// A ForeignKeySpec declares a foreign key.
type ForeignKeySpec struct {
	Name       string // or "" for the database's choice
	Columns    []string
	RefTable   *Table
	RefColumns []string
	OnDelete   FKAction
	OnUpdate   FKAction
}

// A UniqueSpec declares a unique constraint.
type UniqueSpec struct {
	Name    string // or ""
	Columns []string
}

// A CheckSpec declares a check constraint.
type CheckSpec struct {
	Name string // or ""
	Cond Expr   // written with values as literals
}

type (
	// A CreateTable node represents CREATE TABLE.
	CreateTable struct {
		Table       *Table
		IfNotExists bool
		Columns     []ColumnSpec
		PrimaryKey  []string // primary key columns, in key order; or nil
		PKName      string   // or ""
		ForeignKeys []ForeignKeySpec
		Uniques     []UniqueSpec
		Checks      []CheckSpec
	}

	// A DropTable node represents DROP TABLE.
	DropTable struct {
		Table    *Table
		IfExists bool
	}

	// A CreateIndex node represents CREATE INDEX.
	CreateIndex struct {
		Name        string
		Table       *Table
		Unique      bool
		IfNotExists bool
		Exprs       []Expr // columns (written unqualified) or expressions
		Where       Expr   // partial index predicate; or nil
	}

	// A DropIndex node represents DROP INDEX.
	DropIndex struct {
		Schema   string
		Name     string
		IfExists bool
	}

	// An AddForeignKey node represents ALTER TABLE ... ADD CONSTRAINT ...
	// FOREIGN KEY, used to close cycles of foreign keys after the tables
	// exist.
	AddForeignKey struct {
		Table *Table
		FK    ForeignKeySpec
	}

	// A DropConstraint node represents ALTER TABLE ... DROP CONSTRAINT.
	DropConstraint struct {
		Table         *Table
		TableIfExists bool // ALTER TABLE IF EXISTS
		Name          string
		IfExists      bool
	}
)

func (*CreateTable) node()    {}
func (*DropTable) node()      {}
func (*CreateIndex) node()    {}
func (*DropIndex) node()      {}
func (*AddForeignKey) node()  {}
func (*DropConstraint) node() {}

func (*CreateTable) stmtNode()    {}
func (*DropTable) stmtNode()      {}
func (*CreateIndex) stmtNode()    {}
func (*DropIndex) stmtNode()      {}
func (*AddForeignKey) stmtNode()  {}
func (*DropConstraint) stmtNode() {}
