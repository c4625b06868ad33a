package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	msqlite "modernc.org/sqlite"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/chinook"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// The Chinook sample database (a digital media store) as an ORM model, on
// the tables of internal/chinook. Chinook's keys are chosen by the
// application (the script gives every row its key), so new objects here
// carry theirs: the next free album is 348, the next track 3504.
//
// Every test checks what the session did against the database with
// hand-written SQL run outside the session.

type Artist struct {
	ArtistID int64
	Name     *string
	Albums   mapper.Many[Album]
}

type Album struct {
	AlbumID  int64
	Title    string
	ArtistID int64
	Artist   mapper.One[Artist]
	Tracks   mapper.Many[Track]
}

type Track struct {
	TrackID      int64
	Name         string
	AlbumID      *int64
	MediaTypeID  int64
	GenreID      *int64
	Composer     *string
	Milliseconds int64
	Bytes        *int64
	UnitPrice    float64
	Album        mapper.One[Album]
	Genre        mapper.One[Genre]
	MediaType    mapper.One[MediaType]
	Playlists    mapper.Many[Playlist]
}

type Genre struct {
	GenreID int64
	Name    *string
}

type MediaType struct {
	MediaTypeID int64
	Name        *string
}

type Playlist struct {
	PlaylistID int64
	Name       *string
	Tracks     mapper.Many[Track]
}

// Employee maps the columns the tests need; the others stay unmapped.
type Employee struct {
	EmployeeID  int64
	FirstName   string
	LastName    string
	Title       *string
	ReportsToID *int64 `ore:"reports_to"`
	ReportsTo   mapper.One[Employee]
	Reports     mapper.Many[Employee]
}

type Customer struct {
	CustomerID   int64
	FirstName    string
	LastName     string
	Email        string
	SupportRepID *int64
	SupportRep   mapper.One[Employee]
	Invoices     mapper.Many[Invoice]
}

type Invoice struct {
	InvoiceID   int64
	CustomerID  int64
	InvoiceDate time.Time
	Total       float64
	Customer    mapper.One[Customer]
	Lines       mapper.Many[InvoiceLine]
}

type InvoiceLine struct {
	InvoiceLineID int64
	InvoiceID     int64
	TrackID       int64
	UnitPrice     float64
	Quantity      int64
	Invoice       mapper.One[Invoice]
}

func init() {
	mapper.Map[Artist](chinook.Artist, func(b *mapper.Builder[Artist], a *Artist) {
		mapper.HasMany(b, &a.Albums, chinook.Album.ArtistID).BackPopulates("Artist").OrderBy(chinook.Album.AlbumID.Asc())
	})
	mapper.Map[Album](chinook.Album, func(b *mapper.Builder[Album], a *Album) {
		mapper.BelongsTo(b, &a.Artist, chinook.Album.ArtistID).BackPopulates("Albums")
		mapper.HasMany(b, &a.Tracks, chinook.Track.AlbumID).BackPopulates("Album").OrderBy(chinook.Track.TrackID.Asc())
	})
	mapper.Map[Track](chinook.Track, func(b *mapper.Builder[Track], t *Track) {
		mapper.BelongsTo(b, &t.Album, chinook.Track.AlbumID).BackPopulates("Tracks")
		mapper.BelongsTo(b, &t.Genre, chinook.Track.GenreID)
		mapper.BelongsTo(b, &t.MediaType, chinook.Track.MediaTypeID)
		mapper.ManyToMany(b, &t.Playlists, chinook.PlaylistTrack, chinook.PlaylistTrack.TrackID, chinook.PlaylistTrack.PlaylistID).
			BackPopulates("Tracks").OrderBy(chinook.Playlist.PlaylistID.Asc())
	})
	mapper.Map[Genre](chinook.Genre)
	mapper.Map[MediaType](chinook.MediaType)
	mapper.Map[Playlist](chinook.Playlist, func(b *mapper.Builder[Playlist], p *Playlist) {
		mapper.ManyToMany(b, &p.Tracks, chinook.PlaylistTrack, chinook.PlaylistTrack.PlaylistID, chinook.PlaylistTrack.TrackID).
			BackPopulates("Playlists").OrderBy(chinook.Track.TrackID.Asc())
	})
	mapper.Map[Employee](chinook.Employee, func(b *mapper.Builder[Employee], e *Employee) {
		mapper.BelongsTo(b, &e.ReportsTo, chinook.Employee.ReportsTo).BackPopulates("Reports")
		mapper.HasMany(b, &e.Reports, chinook.Employee.ReportsTo).BackPopulates("ReportsTo").OrderBy(chinook.Employee.EmployeeID.Asc())
	})
	mapper.Map[Customer](chinook.Customer, func(b *mapper.Builder[Customer], c *Customer) {
		mapper.BelongsTo(b, &c.SupportRep, chinook.Customer.SupportRepID)
		// No delete cascade: deleting a customer sets its invoices'
		// customer_id to NULL (spec UOW-06).
		mapper.HasMany(b, &c.Invoices, chinook.Invoice.CustomerID).BackPopulates("Customer").OrderBy(chinook.Invoice.InvoiceID.Asc())
	})
	mapper.Map[Invoice](chinook.Invoice, func(b *mapper.Builder[Invoice], i *Invoice) {
		mapper.BelongsTo(b, &i.Customer, chinook.Invoice.CustomerID).BackPopulates("Invoices")
		// The lines belong to their invoice.
		mapper.HasMany(b, &i.Lines, chinook.InvoiceLine.InvoiceID).BackPopulates("Invoice").
			Cascade("all, delete-orphan").OrderBy(chinook.InvoiceLine.InvoiceLineID.Asc())
	})
	mapper.Map[InvoiceLine](chinook.InvoiceLine, func(b *mapper.Builder[InvoiceLine], l *InvoiceLine) {
		mapper.BelongsTo(b, &l.Invoice, chinook.InvoiceLine.InvoiceID).BackPopulates("Lines")
	})
}

func artistAlbums(a *Artist) *mapper.Many[Album]          { return &a.Albums }
func albumTracks(a *Album) *mapper.Many[Track]            { return &a.Tracks }
func trackGenre(t *Track) *mapper.One[Genre]              { return &t.Genre }
func trackMediaType(t *Track) *mapper.One[MediaType]      { return &t.MediaType }
func playlistTracks(p *Playlist) *mapper.Many[Track]      { return &p.Tracks }
func employeeReports(e *Employee) *mapper.Many[Employee]  { return &e.Reports }
func employeeReportsTo(e *Employee) *mapper.One[Employee] { return &e.ReportsTo }

// forEachChinook runs body on PostgreSQL and on SQLite (see forEachDB),
// with Chinook loaded: beside the fixture tables on PostgreSQL, in their
// place on SQLite.
func forEachChinook(t *testing.T, body func(t *testing.T, e *env)) {
	forEachDB(t, func(t *testing.T, e *env) {
		loadChinook(t, e.db)
		e.reset()
		body(t, e)
	})
}

// loadChinook loads Chinook into db's database, on a connection of its
// own: on PostgreSQL by running the script; on SQLite, where the tables
// and columns get PostgreSQL's names (which internal/chinook declares), by
// copying chinookSQLite's database over it, fixture tables and all.
func loadChinook(t *testing.T, db *ore.DB) {
	t.Helper()
	ctx := context.Background()
	switch drv := db.Driver().(type) {
	case *postgres.Driver:
		conn, err := drv.Connect(ctx)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, chinook.LoadPG(ctx, conn.(*postgres.Conn).PgxConn(), false))
	case *sqlite.Driver:
		src, err := chinookSQLite()
		require.NoError(t, err)
		lite, err := sql.Open("sqlite", drv.DSN())
		require.NoError(t, err)
		defer lite.Close()
		conn, err := lite.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.Raw(func(c any) error {
			restore, err := c.(interface {
				NewRestore(src string) (*msqlite.Backup, error)
			}).NewRestore(src)
			if err != nil {
				return err
			}
			for more := true; more; {
				if more, err = restore.Step(-1); err != nil {
					return err
				}
			}
			return restore.Finish()
		}))
	default:
		t.Fatalf("no Chinook script for %T", drv)
	}
}

// chinookSQLite returns the DSN of an in-memory SQLite database holding
// Chinook, loaded once per test binary: the script's 15,000 rows take
// seconds to insert under the race detector, where a copy of the database
// (SQLite's backup, page by page) takes milliseconds. The database lives
// as long as the process.
var chinookSQLite = sync.OnceValues(func() (string, error) {
	dsn := fmt.Sprintf("file:/chinook-%d?vfs=memdb", os.Getpid())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return "", err
	}
	// A memdb database lives while a connection to it is open.
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	return dsn, chinook.LoadSQLite(db, false, true)
})

// sqlRows runs a hand-written query on e's database, outside any session,
// and returns its rows, each read into the fields dest returns. Like
// env.exec, it forgets the statements recorded so far.
func sqlRows[T any](t *testing.T, e *env, query string, dest func(*T) []any) []T {
	t.Helper()
	rows, err := ore.QuerySQL(e.ctx, e.db, query)
	require.NoError(t, err, query)
	defer rows.Close()
	var out []T
	for rows.Next() {
		var r T
		require.NoError(t, rows.Scan(dest(&r)...), query)
		out = append(out, r)
	}
	require.NoError(t, rows.Err(), query)
	e.reset()
	return out
}

// sqlInts returns the first column of a hand-written query's rows.
func sqlInts(t *testing.T, e *env, query string) []int64 {
	t.Helper()
	return sqlRows(t, e, query, func(v *int64) []any { return []any{v} })
}

// The SELECT lists of the mapped Chinook types.
const (
	selArtist   = "SELECT artist.artist_id, artist.name FROM artist"
	selAlbum    = "SELECT album.album_id, album.title, album.artist_id FROM album"
	selTrack    = "SELECT track.track_id, track.name, track.album_id, track.media_type_id, track.genre_id, track.composer, track.milliseconds, track.bytes, track.unit_price FROM track"
	selEmployee = "SELECT employee.employee_id, employee.last_name, employee.first_name, employee.title, employee.reports_to FROM employee"
	selCustomer = "SELECT customer.customer_id, customer.first_name, customer.last_name, customer.email, customer.support_rep_id FROM customer"
	selInvoice  = "SELECT invoice.invoice_id, invoice.customer_id, invoice.invoice_date, invoice.total FROM invoice"
	selLine     = "SELECT invoice_line.invoice_line_id, invoice_line.invoice_id, invoice_line.track_id, invoice_line.unit_price, invoice_line.quantity FROM invoice_line"
)

// ----------------------------------------------------------------------------
// Loading

// catalogArtists are the artists the loading tests read: AC/DC (albums 1
// and 4, 18 tracks), Accept (albums 2 and 3, 4 tracks) and Milton
// Nascimento & Bebeto, who has no album.
var catalogArtists = []int64{1, 2, 25}

// catalogLine describes a track of an album of an artist; "-" stands for
// a missing album or track.
func catalogLine(artistID int64, artist string, albumID *int64, album *string, trackID *int64, track *string) string {
	part := func(id *int64, name *string) string {
		if id == nil {
			return "-"
		}
		return fmt.Sprintf("%d %s", *id, *name)
	}
	return fmt.Sprintf("%d %s / %s / %s", artistID, artist, part(albumID, album), part(trackID, track))
}

// catalogSQL returns the lines of catalogArtists' tracks as a hand-written
// join reads them.
func catalogSQL(t *testing.T, e *env) []string {
	type row struct {
		artistID         int64
		artist           string
		albumID, trackID *int64
		album, track     *string
	}
	rows := sqlRows(t, e, `SELECT ar.artist_id, ar.name, al.album_id, al.title, t.track_id, t.name
		FROM artist ar
		LEFT JOIN album al ON al.artist_id = ar.artist_id
		LEFT JOIN track t ON t.album_id = al.album_id
		WHERE ar.artist_id IN (1, 2, 25)
		ORDER BY ar.artist_id, al.album_id, t.track_id`,
		func(r *row) []any { return []any{&r.artistID, &r.artist, &r.albumID, &r.album, &r.trackID, &r.track} })
	var lines []string
	for _, r := range rows {
		lines = append(lines, catalogLine(r.artistID, r.artist, r.albumID, r.album, r.trackID, r.track))
	}
	return lines
}

// catalogOf returns the lines of the artists' tracks from their objects,
// loading the relationships that are not loaded, artist by artist and
// album by album.
func catalogOf(t *testing.T, ctx context.Context, artists []*Artist) []string {
	t.Helper()
	var lines []string
	for _, ar := range artists {
		albums, err := ar.Albums.Get(ctx)
		require.NoError(t, err)
		if len(albums) == 0 {
			lines = append(lines, catalogLine(ar.ArtistID, *ar.Name, nil, nil, nil, nil))
		}
		for _, al := range albums {
			tracks, err := al.Tracks.Get(ctx)
			require.NoError(t, err)
			if len(tracks) == 0 {
				lines = append(lines, catalogLine(ar.ArtistID, *ar.Name, &al.AlbumID, &al.Title, nil, nil))
			}
			for _, tr := range tracks {
				lines = append(lines, catalogLine(ar.ArtistID, *ar.Name, &al.AlbumID, &al.Title, &tr.TrackID, &tr.Name))
			}
		}
	}
	return lines
}

func TestChinook_REL11_ArtistAlbumsTracksEachStrategy(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		want := catalogSQL(t, e)
		// Hand-checked: 18 + 4 tracks, and a line for the artist without
		// albums.
		require.Len(t, want, 23)
		assert.Equal(t, "1 AC/DC / 1 For Those About To Rock We Salute You / 1 For Those About To Rock (We Salute You)", want[0])
		assert.Equal(t, "25 Milton Nascimento & Bebeto / - / -", want[22])

		var (
			// Core pads IN lists to a power of two, repeating the last
			// value; select-in lists are not padded.
			artists  = selArtist + " WHERE artist.artist_id IN (?, ?, ?, ?) ORDER BY artist.artist_id"
			albumsOf = selAlbum + " WHERE album.artist_id = ? ORDER BY album.album_id"
			albumsIn = selAlbum + " WHERE album.artist_id IN (?, ?, ?) ORDER BY album.album_id"
			tracksOf = selTrack + " WHERE track.album_id = ? ORDER BY track.track_id"
			tracksIn = selTrack + " WHERE track.album_id IN (?, ?, ?, ?) ORDER BY track.track_id"

			// Joined loading reads the targets under aliases of the
			// session's, ordered by the relationships' order after the
			// query's.
			albumCols  = []string{"album_id", "title", "artist_id"}
			trackCols  = []string{"track_id", "name", "album_id", "media_type_id", "genre_id", "composer", "milliseconds", "bytes", "unit_price"}
			joinAlbums = "LEFT JOIN album AS ore_album_1 ON artist.artist_id = ore_album_1.artist_id"
			joinTracks = "LEFT JOIN track AS ore_track_1 ON ore_album_1.album_id = ore_track_1.album_id"
			artistsIn  = " WHERE artist.artist_id IN (?, ?, ?, ?) ORDER BY artist.artist_id"
		)
		qualified := func(alias string, cols []string) string {
			out := make([]string, len(cols))
			for i, c := range cols {
				out[i] = alias + "." + c
			}
			return strings.Join(out, ", ")
		}
		cases := []struct {
			name string
			opts []session.LoadOption[Artist]
			sql  []string // in catalogOf's order
			args [][]any
		}{
			{
				name: "REL-01 lazy: 1 + 3 artists + 4 albums",
				sql:  []string{artists, albumsOf, tracksOf, tracksOf, albumsOf, tracksOf, tracksOf, albumsOf},
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}, {int64(1)}, {int64(1)}, {int64(4)}, {int64(2)}, {int64(2)}, {int64(3)}, {int64(25)}},
			},
			{
				name: "REL-06 select-in albums, lazy tracks: 2 + 4 albums",
				opts: []session.LoadOption[Artist]{session.SelectIn(artistAlbums)},
				sql:  []string{artists, albumsIn, tracksOf, tracksOf, tracksOf, tracksOf},
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}, {int64(1), int64(2), int64(25)}, {int64(1)}, {int64(4)}, {int64(2)}, {int64(3)}},
			},
			{
				name: "REL-06 nested select-in: albums, then their tracks: 3",
				opts: []session.LoadOption[Artist]{session.SelectIn(artistAlbums, session.SelectIn(albumTracks))},
				sql:  []string{artists, albumsIn, tracksIn},
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}, {int64(1), int64(2), int64(25)}, {int64(1), int64(2), int64(3), int64(4)}},
			},
			{
				name: "REL-04 joined albums and their tracks: 1",
				opts: []session.LoadOption[Artist]{session.Joined(artistAlbums, session.Joined(albumTracks))},
				sql: []string{"SELECT artist.artist_id, artist.name, " + qualified("ore_album_1", albumCols) + ", " + qualified("ore_track_1", trackCols) +
					" FROM artist " + joinAlbums + " " + joinTracks + artistsIn + ", ore_album_1.album_id, ore_track_1.track_id"},
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}},
			},
			{
				name: "select-in albums, joined tracks: 2",
				opts: []session.LoadOption[Artist]{session.SelectIn(artistAlbums, session.Joined(albumTracks))},
				sql: []string{artists, "SELECT album.album_id, album.title, album.artist_id, " + qualified("ore_track_1", trackCols) +
					" FROM album LEFT JOIN track AS ore_track_1 ON album.album_id = ore_track_1.album_id" +
					" WHERE album.artist_id IN (?, ?, ?) ORDER BY album.album_id, ore_track_1.track_id"},
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}, {int64(1), int64(2), int64(25)}},
			},
			{
				name: "joined albums, select-in tracks: 2",
				opts: []session.LoadOption[Artist]{session.Joined(artistAlbums, session.SelectIn(albumTracks))},
				sql: []string{"SELECT artist.artist_id, artist.name, " + qualified("ore_album_1", albumCols) +
					" FROM artist " + joinAlbums + artistsIn + ", ore_album_1.album_id", tracksIn},
				// The tracks' IN lists the albums artist by artist.
				args: [][]any{{int64(1), int64(2), int64(25), int64(25)}, {int64(1), int64(4), int64(2), int64(3)}},
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := e.session()
				defer s.Close(e.ctx)
				e.reset()
				found, err := session.Query[Artist](s).Where(chinook.Artist.ArtistID.In(catalogArtists...)).
					OrderBy(chinook.Artist.ArtistID).Options(c.opts...).All(e.ctx)
				require.NoError(t, err)
				assert.Equal(t, want, catalogOf(t, e.ctx, found))
				assert.Equal(t, c.sql, e.sql())
				assert.Equal(t, c.args, e.args)

				// Everything is loaded now: reading it again, and going
				// back up through the back-populated references (found in
				// the identity map, REL-03), costs no SQL.
				e.reset()
				assert.Equal(t, want, catalogOf(t, e.ctx, found))
				for _, ar := range found {
					for _, al := range ar.Albums.Items() {
						up, err := al.Artist.Get(e.ctx)
						require.NoError(t, err)
						assert.Same(t, ar, up)
						for _, tr := range al.Tracks.Items() {
							up, err := tr.Album.Get(e.ctx)
							require.NoError(t, err)
							assert.Same(t, al, up)
						}
					}
				}
				assert.Empty(t, e.sql())
			})
		}
	})
}

func TestChinook_REL06_TrackGenresAndMediaTypes(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		type row struct {
			track        int64
			genre, media string
		}
		want := sqlRows(t, e, `SELECT t.track_id, g.name, m.name
			FROM track t
			JOIN genre g ON g.genre_id = t.genre_id
			JOIN media_type m ON m.media_type_id = t.media_type_id
			WHERE t.track_id BETWEEN 3345 AND 3360
			ORDER BY t.track_id`,
			func(r *row) []any { return []any{&r.track, &r.genre, &r.media} })

		s := e.session()
		tracks, err := session.Query[Track](s).Where(chinook.Track.TrackID.Between(3345, 3360)).OrderBy(chinook.Track.TrackID).
			Options(session.SelectIn(trackGenre), session.SelectIn(trackMediaType)).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, tracks, 16)
		// One SELECT per many-to-one, IN over the distinct keys in the
		// order the tracks name them, against the target's primary key.
		assert.Equal(t, []string{
			selTrack + " WHERE track.track_id BETWEEN ? AND ? ORDER BY track.track_id",
			"SELECT genre.genre_id, genre.name FROM genre WHERE genre.genre_id IN (?, ?, ?, ?, ?, ?, ?, ?)",
			"SELECT media_type.media_type_id, media_type.name FROM media_type WHERE media_type.media_type_id IN (?, ?)",
		}, e.sql())
		assert.Equal(t, []any{int64(21), int64(19), int64(2), int64(16), int64(15), int64(1), int64(7), int64(24)}, e.args[1])
		assert.Equal(t, []any{int64(3), int64(5)}, e.args[2])

		e.reset()
		var got []row
		for _, tr := range tracks {
			require.True(t, tr.Genre.Loaded())
			require.True(t, tr.MediaType.Loaded())
			got = append(got, row{tr.TrackID, *tr.Genre.Value().Name, *tr.MediaType.Value().Name})
		}
		assert.Empty(t, e.sql())
		assert.Equal(t, want, got)
		assert.Equal(t, row{3345, "Drama", "Protected MPEG-4 video file"}, got[0])
		// One object per row: tracks 3345 and 3348 are both dramas.
		assert.Same(t, tracks[0].Genre.Value(), tracks[3].Genre.Value())
	})
}

func TestChinook_REL18_ReportingChain(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		s := e.session()
		jane, err := session.Get[Employee](e.ctx, s, 3)
		require.NoError(t, err)

		// Up the chain: a SELECT by key for each manager the identity map
		// lacks; none past the top, whose reports_to is NULL.
		var chain []*Employee
		for emp := jane; emp != nil; {
			chain = append(chain, emp)
			emp, err = emp.ReportsTo.Get(e.ctx)
			require.NoError(t, err)
		}
		require.Len(t, chain, 3)
		assert.Equal(t, []string{"Jane", "Nancy", "Andrew"}, []string{chain[0].FirstName, chain[1].FirstName, chain[2].FirstName})
		byKey := selEmployee + " WHERE employee.employee_id = ?"
		assert.Equal(t, []string{byKey, byKey, byKey}, e.sql())
		assert.Equal(t, [][]any{{int64(3)}, {int64(2)}, {int64(1)}}, e.args)

		// Down the chain: the collections hold the objects the session
		// already has.
		nancy, andrew := chain[1], chain[2]
		e.reset()
		reports, err := andrew.Reports.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, reports, 2)
		assert.Same(t, nancy, reports[0])
		assert.Equal(t, "Michael", reports[1].FirstName)
		reports, err = nancy.Reports.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, reports, 3)
		assert.Same(t, jane, reports[0])
		assert.Equal(t, []string{"Margaret", "Steve"}, []string{reports[1].FirstName, reports[2].FirstName})
		byBoss := selEmployee + " WHERE employee.reports_to = ? ORDER BY employee.employee_id"
		assert.Equal(t, []string{byBoss, byBoss}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}, {int64(2)}}, e.args)

		// A customer's support employee comes from the identity map
		// (REL-03): Luís is Jane's customer.
		e.reset()
		luis, err := session.Get[Customer](e.ctx, s, 1)
		require.NoError(t, err)
		rep, err := luis.SupportRep.Get(e.ctx)
		require.NoError(t, err)
		assert.Same(t, jane, rep)
		assert.Equal(t, []string{selCustomer + " WHERE customer.customer_id = ?"}, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// The whole chart, both ways, with select-in: every manager is
		// one of the employees, so the many-to-one needs no SQL.
		s = e.session()
		e.reset()
		all, err := session.Query[Employee](s).OrderBy(chinook.Employee.EmployeeID).
			Options(session.SelectIn(employeeReports), session.SelectIn(employeeReportsTo)).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, all, 8)
		assert.Equal(t, []string{
			selEmployee + " ORDER BY employee.employee_id",
			selEmployee + " WHERE employee.reports_to IN (?, ?, ?, ?, ?, ?, ?, ?) ORDER BY employee.employee_id",
		}, e.sql())
		e.reset()
		var bosses, reportLinks [][2]int64 // (employee, manager; 0 for none), (manager, report)
		for _, emp := range all {
			require.True(t, emp.ReportsTo.Loaded())
			require.True(t, emp.Reports.Loaded())
			var boss int64
			if b := emp.ReportsTo.Value(); b != nil {
				boss = b.EmployeeID
			}
			bosses = append(bosses, [2]int64{emp.EmployeeID, boss})
			for _, r := range emp.Reports.Items() {
				reportLinks = append(reportLinks, [2]int64{emp.EmployeeID, r.EmployeeID})
			}
		}
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))
		pair := func(r *[2]int64) []any { return []any{&r[0], &r[1]} }
		assert.Equal(t, sqlRows(t, e, `SELECT e.employee_id, COALESCE(m.employee_id, 0)
			FROM employee e LEFT JOIN employee m ON m.employee_id = e.reports_to
			ORDER BY e.employee_id`, pair), bosses)
		assert.Equal(t, sqlRows(t, e, `SELECT m.employee_id, e.employee_id
			FROM employee m JOIN employee e ON e.reports_to = m.employee_id
			ORDER BY m.employee_id, e.employee_id`, pair), reportLinks)
		assert.Equal(t, [][2]int64{{1, 2}, {1, 6}}, reportLinks[:2])
	})
}

func trackIDs(tracks []*Track) []int64 {
	out := make([]int64, len(tracks))
	for i, tr := range tracks {
		out[i] = tr.TrackID
	}
	return out
}

func TestChinook_REL17_UOW17_PlaylistTracks(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		const grungeSQL = "SELECT track_id FROM playlist_track WHERE playlist_id = 16 ORDER BY track_id"
		before := sqlInts(t, e, grungeSQL)
		require.Len(t, before, 15) // hand-checked: Grunge has 15 tracks, the first 52
		require.Equal(t, int64(52), before[0])

		// Select-in (REL-06): the playlists, then their tracks through
		// playlist_track in one more SELECT. Movies (2) has no track.
		t.Run("REL-06 select-in", func(t *testing.T) {
			s := e.session()
			defer s.Close(e.ctx)
			e.reset()
			lists, err := session.Query[Playlist](s).Where(chinook.Playlist.PlaylistID.In(2, 16)).
				OrderBy(chinook.Playlist.PlaylistID).Options(session.SelectIn(playlistTracks)).All(e.ctx)
			require.NoError(t, err)
			require.Len(t, lists, 2)
			assert.Len(t, e.sql(), 2)
			for _, p := range lists {
				assert.True(t, p.Tracks.Loaded(), "playlist %d", p.PlaylistID)
			}
			assert.Empty(t, lists[0].Tracks.Items())
			assert.Equal(t, before, trackIDs(lists[1].Tracks.Items()))
		})

		s := e.session()
		grunge, err := session.Get[Playlist](e.ctx, s, 16)
		require.NoError(t, err)
		e.reset()
		tracks, err := grunge.Tracks.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, before, trackIDs(tracks))
		assert.Equal(t, []string{selTrack + " JOIN playlist_track ON playlist_track.track_id = track.track_id" +
			" WHERE playlist_track.playlist_id = ? ORDER BY track.track_id"}, e.sql())
		assert.Equal(t, []any{int64(16)}, e.args[0])

		// Add AC/DC's first track, remove the playlist's first: the flush
		// writes the two association rows, and nothing else. The order of
		// the two is not the spec's concern.
		first, err := session.Get[Track](e.ctx, s, 1)
		require.NoError(t, err)
		grunge.Tracks.Add(first)
		grunge.Tracks.Remove(tracks[0])
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.ElementsMatch(t, []string{
			"DELETE FROM playlist_track WHERE playlist_track.playlist_id = ? AND playlist_track.track_id = ?",
			"INSERT INTO playlist_track (playlist_id, track_id) VALUES (?, ?)",
		}, e.sql())
		assert.ElementsMatch(t, [][]any{{int64(16), int64(52)}, {int64(16), int64(1)}}, e.args)
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, append([]int64{1}, before[1:]...), sqlInts(t, e, grungeSQL))
	})
}

// ----------------------------------------------------------------------------
// Flushing

func TestChinook_UOW02_PriceAndTitleChanged(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		s := e.session()
		track, err := session.Get[Track](e.ctx, s, 1)
		require.NoError(t, err)
		album, err := track.Album.Get(e.ctx)
		require.NoError(t, err)
		require.Equal(t, 0.99, track.UnitPrice)
		require.NotNil(t, track.Composer)

		track.UnitPrice = 1.29
		album.Title = "For Those About To Rock"
		// Set to an equal value: not a change.
		track.Composer = ptr(*track.Composer)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		// Only the changed columns; the album first, as rows referred to
		// come first.
		assert.Equal(t, []string{
			"UPDATE album SET title = ? WHERE album.album_id = ?",
			"UPDATE track SET unit_price = ? WHERE track.track_id = ?",
		}, e.sql())
		assert.Equal(t, [][]any{{"For Those About To Rock", int64(1)}, {1.29, int64(1)}}, e.args)
		require.NoError(t, s.Commit(e.ctx))

		type row struct {
			track int64
			price float64
			title string
		}
		assert.Equal(t, []row{{1, 1.29, "For Those About To Rock"}, {6, 0.99, "For Those About To Rock"}},
			sqlRows(t, e, `SELECT t.track_id, t.unit_price, al.title FROM track t JOIN album al ON al.album_id = t.album_id
				WHERE t.track_id IN (1, 6) ORDER BY t.track_id`,
				func(r *row) []any { return []any{&r.track, &r.price, &r.title} }))
	})
}

func TestChinook_UOW04_NewAlbumWithTracks(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		s := e.session()
		acdc, err := session.Get[Artist](e.ctx, s, 1)
		require.NoError(t, err)
		album := &Album{AlbumID: 348, Title: "Power Up"}
		album.Artist.Set(acdc)
		album.Tracks.Add(
			&Track{TrackID: 3504, Name: "Realize", MediaTypeID: 1, GenreID: ptr(int64(1)), Milliseconds: 217000, UnitPrice: 0.99},
			&Track{TrackID: 3505, Name: "Shot In The Dark", MediaTypeID: 1, GenreID: ptr(int64(1)), Milliseconds: 186000, UnitPrice: 0.99},
		)
		// Adding the album adds its tracks (save-update cascade).
		require.NoError(t, s.Add(album))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"INSERT INTO album (album_id, title, artist_id) VALUES (?, ?, ?)",
			"INSERT INTO track (track_id, name, album_id, media_type_id, genre_id, composer, milliseconds, bytes, unit_price)" +
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		}, e.sql())
		require.Len(t, e.args, 2)
		// The artist's key went into the album, the album's into the
		// tracks.
		assert.Equal(t, []any{int64(348), "Power Up", int64(1)}, e.args[0])
		assert.Equal(t, []any{
			int64(3504), "Realize", ptr(int64(348)), int64(1), ptr(int64(1)), (*string)(nil), int64(217000), (*int64)(nil), 0.99,
			int64(3505), "Shot In The Dark", ptr(int64(348)), int64(1), ptr(int64(1)), (*string)(nil), int64(186000), (*int64)(nil), 0.99,
		}, e.args[1])
		for _, tr := range album.Tracks.Items() {
			assert.Equal(t, session.Persistent, session.StateOf(tr))
			assert.Equal(t, ptr(int64(348)), tr.AlbumID)
		}
		require.NoError(t, s.Commit(e.ctx))

		type row struct {
			artist int64
			album  string
			track  int64
			name   string
		}
		assert.Equal(t, []row{{1, "Power Up", 3504, "Realize"}, {1, "Power Up", 3505, "Shot In The Dark"}},
			sqlRows(t, e, `SELECT al.artist_id, al.title, t.track_id, t.name FROM album al JOIN track t ON t.album_id = al.album_id
				WHERE al.album_id = 348 ORDER BY t.track_id`,
				func(r *row) []any { return []any{&r.artist, &r.album, &r.track, &r.name} }))
	})
}

func TestChinook_CAS05_DeleteInvoiceWithItsLines(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		otherLines := sqlInts(t, e, "SELECT invoice_line_id FROM invoice_line WHERE invoice_id > 2 ORDER BY invoice_line_id")
		s := e.session()

		// Invoice 1 (lines 1 and 2), its lines not loaded: the flush loads
		// them, deletes them, then the invoice.
		inv, err := session.Get[Invoice](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), inv.InvoiceDate.UTC())
		assert.Equal(t, 1.98, inv.Total)
		require.False(t, inv.Lines.Loaded())
		require.NoError(t, s.Delete(inv))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			selLine + " WHERE invoice_line.invoice_id = ? ORDER BY invoice_line.invoice_line_id",
			"DELETE FROM invoice_line WHERE invoice_line.invoice_line_id IN (?, ?)",
			"DELETE FROM invoice WHERE invoice.invoice_id = ?",
		}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}, {int64(1), int64(2)}, {int64(1)}}, e.args)
		assert.Equal(t, session.Deleted, session.StateOf(inv))

		// Invoice 2 with its four lines loaded: no SELECT.
		inv, err = session.Get[Invoice](e.ctx, s, 2)
		require.NoError(t, err)
		lines, err := inv.Lines.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, lines, 4)
		require.NoError(t, s.Delete(inv))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"DELETE FROM invoice_line WHERE invoice_line.invoice_line_id IN (?, ?, ?, ?)",
			"DELETE FROM invoice WHERE invoice.invoice_id = ?",
		}, e.sql())
		assert.Equal(t, [][]any{{int64(3), int64(4), int64(5), int64(6)}, {int64(2)}}, e.args)
		for _, l := range lines {
			assert.Equal(t, session.Deleted, session.StateOf(l))
		}
		require.NoError(t, s.Commit(e.ctx))

		assert.Equal(t, []int64{3}, sqlInts(t, e, "SELECT invoice_id FROM invoice WHERE invoice_id <= 3 ORDER BY invoice_id"))
		assert.Empty(t, sqlInts(t, e, "SELECT invoice_line_id FROM invoice_line WHERE invoice_id <= 2"))
		assert.Equal(t, otherLines, sqlInts(t, e, "SELECT invoice_line_id FROM invoice_line ORDER BY invoice_line_id"))
	})
}

func TestChinook_CAS07_LineRemovedFromItsInvoice(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		s := e.session()
		inv, err := session.Get[Invoice](e.ctx, s, 2)
		require.NoError(t, err)
		lines, err := inv.Lines.Get(e.ctx)
		require.NoError(t, err)
		require.Equal(t, []int64{3, 4, 5, 6}, []int64{lines[0].InvoiceLineID, lines[1].InvoiceLineID, lines[2].InvoiceLineID, lines[3].InvoiceLineID})

		// An owned line taken out of its invoice is deleted (delete-orphan),
		// not left without an invoice; the invoice itself is unchanged.
		inv.Lines.Remove(lines[0])
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM invoice_line WHERE invoice_line.invoice_line_id = ?"}, e.sql())
		assert.Equal(t, [][]any{{int64(3)}}, e.args)
		assert.Equal(t, session.Deleted, session.StateOf(lines[0]))
		assert.Equal(t, session.Persistent, session.StateOf(inv))
		assert.Equal(t, lines[1:], inv.Lines.Items())
		require.NoError(t, s.Commit(e.ctx))

		assert.Equal(t, []int64{4, 5, 6}, sqlInts(t, e, "SELECT invoice_line_id FROM invoice_line WHERE invoice_id = 2 ORDER BY invoice_line_id"))
		assert.Empty(t, sqlInts(t, e, "SELECT invoice_line_id FROM invoice_line WHERE invoice_line_id = 3"))
	})
}

// checkRefusedUntilRollback checks that s, whose flush failed, refuses
// work until it is rolled back, and that then obj, whose deletion failed,
// is persistent again and s works. It closes s.
func checkRefusedUntilRollback(t *testing.T, e *env, s *session.Session, obj any) {
	t.Helper()
	_, err := session.Get[Genre](e.ctx, s, 1)
	assert.ErrorIs(t, err, session.ErrPendingRollback)
	assert.ErrorIs(t, s.Flush(e.ctx), session.ErrPendingRollback)
	require.NoError(t, s.Rollback(e.ctx))
	assert.Equal(t, session.Persistent, session.StateOf(obj))
	rock, err := session.Get[Genre](e.ctx, s, 1)
	require.NoError(t, err)
	assert.Equal(t, "Rock", *rock.Name)
	require.NoError(t, s.Close(e.ctx))
}

func TestChinook_UOW06_DeleteCustomerWithInvoices(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		invoicesSQL := "SELECT invoice_id FROM invoice WHERE customer_id = 1 ORDER BY invoice_id"
		invoices := []int64{98, 121, 143, 195, 316, 327, 382} // hand-checked
		require.Equal(t, invoices, sqlInts(t, e, invoicesSQL))

		s := e.session()
		luis, err := session.Get[Customer](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Delete(luis))
		// A new row in the same flush: it is not written either.
		require.NoError(t, s.Add(&Genre{GenreID: 9999, Name: ptr("Skiffle")}))
		e.reset()
		// Invoices are not cascaded from their customer: the flush loads
		// them to set their customer_id to NULL before deleting the
		// customer. Chinook's invoice.customer_id is NOT NULL, which the
		// mapped int64 says: rather than send an UPDATE the database must
		// refuse (or write 0, another customer's key), the flush fails
		// before writing anything.
		err = s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, session.ErrFlush)
		assert.ErrorContains(t, err, "Invoice(98).CustomerID would have to be set to NULL")
		assert.Equal(t, []string{selInvoice + " WHERE invoice.customer_id = ? ORDER BY invoice.invoice_id"}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}}, e.args)

		checkRefusedUntilRollback(t, e, s, luis)

		// Nothing changed in the database.
		assert.Equal(t, invoices, sqlInts(t, e, invoicesSQL))
		assert.Equal(t, []int64{1}, sqlInts(t, e, "SELECT customer_id FROM customer WHERE customer_id = 1"))
		assert.Empty(t, sqlInts(t, e, "SELECT genre_id FROM genre WHERE genre_id = 9999"))
	})
}

func TestChinook_UOW19_DeleteSoldTrackRefused(t *testing.T) {
	forEachChinook(t, func(t *testing.T, e *env) {
		const playlistsSQL = "SELECT playlist_id FROM playlist_track WHERE track_id = 2 ORDER BY playlist_id"
		require.Equal(t, []int64{1, 8, 17}, sqlInts(t, e, playlistsSQL)) // hand-checked

		// Track 2 was sold: invoice lines refer to it, through no
		// relationship of the model. The flush deletes its playlist rows
		// (loading them first), then the track, which the database
		// refuses.
		s := e.session()
		track, err := session.Get[Track](e.ctx, s, 2)
		require.NoError(t, err)
		require.NoError(t, s.Delete(track))
		e.reset()
		err = s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrForeignKeyViolation)
		unlink := "DELETE FROM playlist_track WHERE playlist_track.playlist_id = ? AND playlist_track.track_id = ?"
		assert.Equal(t, []string{
			"SELECT playlist.playlist_id, playlist.name FROM playlist JOIN playlist_track ON playlist_track.playlist_id = playlist.playlist_id" +
				" WHERE playlist_track.track_id = ? ORDER BY playlist.playlist_id",
			unlink, unlink, unlink,
			"DELETE FROM track WHERE track.track_id = ?",
		}, e.sql())
		assert.Equal(t, [][]any{{int64(2)}, {int64(1), int64(2)}, {int64(8), int64(2)}, {int64(17), int64(2)}, {int64(2)}}, e.args)

		checkRefusedUntilRollback(t, e, s, track)

		// The flush was one transaction: the playlist rows it deleted
		// are back.
		assert.Equal(t, []int64{1, 8, 17}, sqlInts(t, e, playlistsSQL))
		assert.Equal(t, []int64{2}, sqlInts(t, e, "SELECT track_id FROM track WHERE track_id = 2"))
	})
}
