// Package table holds jet's table declarations for the benchmark schema,
// written by hand in the shape jet's generator writes them for the
// PostgreSQL schema "public".
package table
