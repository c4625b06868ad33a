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
	// want: ore.NamedParam[string] does not implement ore.Expr[int64]
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.EqExpr(ore.Param[string]("id")))
}
