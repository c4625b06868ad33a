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
	// want: string does not satisfy ore.Number
	_ = ore.Select1(ore.Add(Users.Name, Users.Name)).From(Users)
}
