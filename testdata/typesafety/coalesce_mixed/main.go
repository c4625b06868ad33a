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
	// want: type ore.Col[string] of Users.Name does not match inferred type ore.Expr[*string]
	_ = ore.Select1(ore.Coalesce(Users.Email, Users.Name)).From(Users)
}
