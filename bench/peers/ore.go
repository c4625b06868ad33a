package peers

import (
	"time"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
)

type oreUsersTable struct {
	ore.Table
	ID        ore.Col[int64]     `ore:"id,pk,identity"`
	Name      ore.Col[string]    `ore:"name"`
	Email     ore.Col[string]    `ore:"email,unique"`
	CreatedAt ore.Col[time.Time] `ore:"created_at,default=now()"`
}

type oreOrdersTable struct {
	ore.Table
	ID        ore.Col[int64]     `ore:"id,pk,identity"`
	UserID    ore.Col[int64]     `ore:"user_id"`
	Amount    ore.Col[int64]     `ore:"amount"`
	Status    ore.Col[string]    `ore:"status"`
	CreatedAt ore.Col[time.Time] `ore:"created_at,default=now()"`
}

var (
	oreUsers  = ore.NewTable[oreUsersTable]("users")
	oreOrders = ore.NewTable[oreOrdersTable]("orders")
)

// ore builds the statement and compiles it without a cache, as the other
// libraries do.

func oreCompile(s ore.Statement) (string, []any, error) {
	q, err := ore.Compile(postgres.Dialect{}, s)
	return q.SQL, q.Args, err
}

func oreSelectByID(v Values) (string, []any, error) {
	u := oreUsers
	return oreCompile(ore.Select3(u.ID, u.Name, u.Email).From(u).Where(u.ID.Eq(v.ID)))
}

func oreJoinGroupBy(v Values) (string, []any, error) {
	u, o := oreUsers, oreOrders
	return oreCompile(ore.Select4(u.ID, u.Name, ore.Count().As("order_count"), ore.Sum(o.Amount).As("total")).
		From(u).
		Join(o, o.UserID.EqExpr(u.ID)).
		Where(o.Status.Eq(v.Status)).
		GroupBy(u.ID, u.Name).
		Having(ore.Count().Gt(v.MinOrders)).
		OrderBy(ore.Sum(o.Amount).Desc()).
		Limit(v.Limit))
}

func oreInsertReturning(v Values) (string, []any, error) {
	u := oreUsers
	return oreCompile(ore.Insert(u).Values(u.Name.To(v.Name), u.Email.To(v.Email)).Returning(u.ID))
}

func oreUpdateByID(v Values) (string, []any, error) {
	u := oreUsers
	return oreCompile(ore.Update(u).Set(u.Name.To(v.Name), u.Email.To(v.Email)).Where(u.ID.Eq(v.ID)))
}
