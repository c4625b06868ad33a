package main

import (
	"fmt"
	"strings"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
)

// driverFor returns the driver for dsn: PostgreSQL for postgres:// and
// postgresql:// URLs, SQLite for file: URIs and paths.
func driverFor(dsn string) (ore.Driver, error) {
	switch {
	case dsn == "":
		return nil, usageError{"empty DSN"}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d, err := postgres.NewDriver(dsn, postgres.Options{})
		if err != nil {
			return nil, usageError{fmt.Sprintf("bad DSN: %v", err)}
		}
		return d, nil
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return nil, usageError{fmt.Sprintf("bad DSN: unknown scheme %q (want postgres://, file: or a path)", scheme)}
	}
	d, err := sqlite.NewDriver(dsn, sqlite.Options{})
	if err != nil {
		return nil, usageError{fmt.Sprintf("bad DSN: %v", err)}
	}
	return d, nil
}
