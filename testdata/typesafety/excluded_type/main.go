package main

import "github.com/ore-go/ore"

type usersTable struct {
	ore.Table
	ID    ore.Col[int64]   `ore:"id,pk"`
	Name  ore.Col[string]  `ore:"name"`
	Email ore.Col[*string] `ore:"email"`
}

var Users = ore.NewTable[usersTable]("users")

func main() {
	// want: cannot use ore.Excluded(Users.ID) (value of interface type ore.Expr[int64]) as ore.Expr[string] value
	_ = ore.Insert(Users).Values(Users.ID.To(1), Users.Name.To("ann")).OnConflict(Users.ID).DoUpdate(Users.Name.ToExpr(ore.Excluded(Users.ID)))
}
