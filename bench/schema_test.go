package bench

import (
	"time"

	"github.com/ore-go/ore"
)

// The schema of the benchmarks: a user table and an order table, as small as
// the four statements allow.

type usersTable struct {
	ore.Table
	ID        ore.Col[int64]     `ore:"id,pk,identity"`
	Name      ore.Col[string]    `ore:"name"`
	Email     ore.Col[string]    `ore:"email,unique"`
	CreatedAt ore.Col[time.Time] `ore:"created_at,default=now()"`
}

type ordersTable struct {
	ore.Table
	ID        ore.Col[int64]     `ore:"id,pk,identity"`
	UserID    ore.Col[int64]     `ore:"user_id"`
	Amount    ore.Col[int64]     `ore:"amount"` // in cents
	Status    ore.Col[string]    `ore:"status"`
	CreatedAt ore.Col[time.Time] `ore:"created_at,default=now()"`
}

var (
	Users  = ore.NewTable[usersTable]("users")
	Orders = ore.NewTable[ordersTable]("orders")
)

// schemaDDL creates the schema on PostgreSQL, with a few rows, so that the
// benchmarked statements can be shown to run.
const schemaDDL = `
CREATE TABLE users (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL,
	email      text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id),
	amount     bigint NOT NULL,
	status     text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (name, email) VALUES
	('ann', 'ann@example.com'),
	('bob', 'bob@example.com'),
	('cat', 'cat@example.com');
INSERT INTO orders (user_id, amount, status) VALUES
	(1, 1000, 'paid'), (1, 2500, 'paid'), (1, 700, 'open'),
	(2, 9000, 'paid'), (2, 100, 'paid'), (2, 50, 'paid'),
	(3, 99999, 'paid');
`
