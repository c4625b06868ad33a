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
	// want: as ore.Query[int64] value in argument to ore.Select1(Users.ID).From(Users).Union
	_ = ore.Select1(Users.ID).From(Users).Union(ore.Select1(Users.Name).From(Users))
}
