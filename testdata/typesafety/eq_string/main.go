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
	// want: cannot use "x" (untyped string constant) as int64 value
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.Eq("x"))
}
