package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// Options configures a Driver beyond its DSN. Settings given in the DSN
// itself (as _pragma=... or _time_format=...) win over these.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection before failing; zero means 5 seconds.
	BusyTimeout time.Duration

	// JournalMode is the journal mode of file databases; "" means WAL, which
	// lets readers proceed while one connection writes.
	JournalMode string

	// NoForeignKeys leaves foreign key enforcement off, SQLite's own
	// default. ore turns it on.
	NoForeignKeys bool

	// StatementCacheSize is the number of prepared statements each
	// connection keeps; zero means 128, negative disables the cache.
	StatementCacheSize int
}

// Driver opens connections to one SQLite database through modernc.org/sqlite
// (pure Go, no cgo), without database/sql. It is safe for concurrent use.
//
// An in-memory database (DSN ":memory:" or "") is shared by every
// connection of the driver, and lives until the driver is closed.
type Driver struct {
	dsn     string // as given to modernc.org/sqlite
	memory  bool
	opts    Options
	drv     msqlite.Driver
	anchor  driver.Conn // keeps an in-memory database alive; or nil
	once    sync.Once
	onceErr error
	closed  atomic.Bool
}

var (
	_ dialect.Driver           = (*Driver)(nil)
	_ dialect.InspectingDriver = (*Driver)(nil)
)

var memSeq atomic.Int64

// NewDriver returns a Driver for the database dsn names:
//
//   - "" or ":memory:": a new in-memory database, shared by the driver's
//     connections;
//   - a file path, optionally followed by ?parameters;
//   - a file: URI (file:/tmp/x.db?mode=ro), where SQLite's URI parameters
//     (mode, cache, vfs, ...) work too.
//
// modernc.org/sqlite's parameters (_pragma=name(value), _time_format,
// _txlock, ...) may be given in any form. Unless the DSN says otherwise,
// ore adds: foreign keys on, a busy timeout, WAL journal for files, and
// _time_format=sqlite (times written as "2006-01-02 15:04:05.999999999-07:00"
// rather than Go's time.String()). It does not open the database.
func NewDriver(dsn string, opts Options) (*Driver, error) {
	full, memory, err := buildDSN(dsn, opts)
	if err != nil {
		return nil, err
	}
	return &Driver{dsn: full, memory: memory, opts: opts}, nil
}

// DSN returns the DSN the driver opens connections with, parameters
// included.
func (d *Driver) DSN() string { return d.dsn }

// Dialect returns SQLite's SQL dialect.
func (d *Driver) Dialect() compile.Dialect { return Dialect{} }

// Introspector returns SQLite's schema inspection, which reads
// sqlite_schema and the pragma functions through the connection it is
// given. Schema "" is "main"; any other is "temp" or the name of an
// attached database, which only the connection that attached it sees.
func (d *Driver) Introspector() dialect.Introspector { return introspector{} }

// Connect opens a connection.
func (d *Driver) Connect(ctx context.Context) (dialect.Conn, error) {
	if d.closed.Load() {
		return nil, fmt.Errorf("sqlite: driver closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.memory {
		// The first connection of an in-memory database stays open until
		// the driver closes, so that the database outlives idle pools.
		d.once.Do(func() {
			d.anchor, d.onceErr = d.drv.Open(d.dsn)
		})
		if d.onceErr != nil {
			return nil, classify(d.onceErr)
		}
	}
	c, err := d.drv.Open(d.dsn)
	if err != nil {
		return nil, classify(err)
	}
	return newConn(c, d.opts.StatementCacheSize), nil
}

// Close closes the connection that keeps an in-memory database alive.
func (d *Driver) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	if d.anchor != nil {
		return d.anchor.Close()
	}
	return nil
}

// buildDSN returns the DSN to open, with ore's defaults added, and whether
// it is an in-memory database.
func buildDSN(dsn string, opts Options) (string, bool, error) {
	path, query, _ := strings.Cut(dsn, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", false, fmt.Errorf("sqlite: bad DSN parameters %q: %w", query, err)
	}
	memory := false
	switch {
	case path == "" || path == ":memory:" || path == "file::memory:" || path == "file:" && params.Get("mode") == "memory" && params.Get("cache") != "shared":
		// A private in-memory database would differ per connection; use
		// SQLite's memdb VFS, which one name shares process-wide.
		path = fmt.Sprintf("file:/ore-memory-%d-%d", os.Getpid(), memSeq.Add(1))
		params.Del("mode")
		params.Set("vfs", "memdb")
		memory = true
	case strings.HasPrefix(path, "file:"):
		memory = params.Get("mode") == "memory" || params.Get("vfs") == "memdb" || strings.HasPrefix(path, "file::memory:")
	default:
		// SQLite's own URI parameters only work on file: URIs.
		path = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	pragmas := strings.Join(params["_pragma"], ",")
	has := func(name string) bool {
		return strings.Contains(pragmas, name) || params.Has("_"+name)
	}
	if !opts.NoForeignKeys && !has("foreign_keys") && !params.Has("_fk") {
		params.Add("_pragma", "foreign_keys(1)")
	}
	if !has("busy_timeout") && !params.Has("_timeout") {
		timeout := opts.BusyTimeout
		if timeout <= 0 {
			timeout = 5 * time.Second
		}
		params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", timeout.Milliseconds()))
	}
	if !memory && !has("journal_mode") && !params.Has("_journal") && params.Get("mode") != "ro" {
		mode := opts.JournalMode
		if mode == "" {
			mode = "WAL"
		}
		params.Add("_pragma", "journal_mode("+mode+")")
	}
	if !params.Has("_time_format") {
		params.Set("_time_format", "sqlite")
	}
	return path + "?" + params.Encode(), memory, nil
}
