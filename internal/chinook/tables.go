package chinook

import (
	"time"

	"github.com/ore-go/ore"
)

// The Chinook tables, with the PostgreSQL script's names. Money is float64:
// NUMERIC(10,2) on PostgreSQL, REAL by affinity on SQLite.

type ArtistTable struct {
	ore.Table
	ArtistID ore.Col[int64]   `ore:"artist_id,pk"`
	Name     ore.Col[*string] `ore:"name"`
}

type AlbumTable struct {
	ore.Table
	AlbumID  ore.Col[int64]  `ore:"album_id,pk"`
	Title    ore.Col[string] `ore:"title"`
	ArtistID ore.Col[int64]  `ore:"artist_id"`
}

type EmployeeTable struct {
	ore.Table
	EmployeeID ore.Col[int64]      `ore:"employee_id,pk"`
	LastName   ore.Col[string]     `ore:"last_name"`
	FirstName  ore.Col[string]     `ore:"first_name"`
	Title      ore.Col[*string]    `ore:"title"`
	ReportsTo  ore.Col[*int64]     `ore:"reports_to"`
	BirthDate  ore.Col[*time.Time] `ore:"birth_date"`
	HireDate   ore.Col[*time.Time] `ore:"hire_date"`
	Address    ore.Col[*string]    `ore:"address"`
	City       ore.Col[*string]    `ore:"city"`
	State      ore.Col[*string]    `ore:"state"`
	Country    ore.Col[*string]    `ore:"country"`
	PostalCode ore.Col[*string]    `ore:"postal_code"`
	Phone      ore.Col[*string]    `ore:"phone"`
	Fax        ore.Col[*string]    `ore:"fax"`
	Email      ore.Col[*string]    `ore:"email"`
}

type CustomerTable struct {
	ore.Table
	CustomerID   ore.Col[int64]   `ore:"customer_id,pk"`
	FirstName    ore.Col[string]  `ore:"first_name"`
	LastName     ore.Col[string]  `ore:"last_name"`
	Company      ore.Col[*string] `ore:"company"`
	Address      ore.Col[*string] `ore:"address"`
	City         ore.Col[*string] `ore:"city"`
	State        ore.Col[*string] `ore:"state"`
	Country      ore.Col[*string] `ore:"country"`
	PostalCode   ore.Col[*string] `ore:"postal_code"`
	Phone        ore.Col[*string] `ore:"phone"`
	Fax          ore.Col[*string] `ore:"fax"`
	Email        ore.Col[string]  `ore:"email"`
	SupportRepID ore.Col[*int64]  `ore:"support_rep_id"`
}

type GenreTable struct {
	ore.Table
	GenreID ore.Col[int64]   `ore:"genre_id,pk"`
	Name    ore.Col[*string] `ore:"name"`
}

type MediaTypeTable struct {
	ore.Table
	MediaTypeID ore.Col[int64]   `ore:"media_type_id,pk"`
	Name        ore.Col[*string] `ore:"name"`
}

type InvoiceTable struct {
	ore.Table
	InvoiceID         ore.Col[int64]     `ore:"invoice_id,pk"`
	CustomerID        ore.Col[int64]     `ore:"customer_id"`
	InvoiceDate       ore.Col[time.Time] `ore:"invoice_date"`
	BillingAddress    ore.Col[*string]   `ore:"billing_address"`
	BillingCity       ore.Col[*string]   `ore:"billing_city"`
	BillingState      ore.Col[*string]   `ore:"billing_state"`
	BillingCountry    ore.Col[*string]   `ore:"billing_country"`
	BillingPostalCode ore.Col[*string]   `ore:"billing_postal_code"`
	Total             ore.Col[float64]   `ore:"total"`
}

type InvoiceLineTable struct {
	ore.Table
	InvoiceLineID ore.Col[int64]   `ore:"invoice_line_id,pk"`
	InvoiceID     ore.Col[int64]   `ore:"invoice_id"`
	TrackID       ore.Col[int64]   `ore:"track_id"`
	UnitPrice     ore.Col[float64] `ore:"unit_price"`
	Quantity      ore.Col[int64]   `ore:"quantity"`
}

type PlaylistTable struct {
	ore.Table
	PlaylistID ore.Col[int64]   `ore:"playlist_id,pk"`
	Name       ore.Col[*string] `ore:"name"`
}

type PlaylistTrackTable struct {
	ore.Table
	PlaylistID ore.Col[int64] `ore:"playlist_id,pk"`
	TrackID    ore.Col[int64] `ore:"track_id,pk"`
}

type TrackTable struct {
	ore.Table
	TrackID      ore.Col[int64]   `ore:"track_id,pk"`
	Name         ore.Col[string]  `ore:"name"`
	AlbumID      ore.Col[*int64]  `ore:"album_id"`
	MediaTypeID  ore.Col[int64]   `ore:"media_type_id"`
	GenreID      ore.Col[*int64]  `ore:"genre_id"`
	Composer     ore.Col[*string] `ore:"composer"`
	Milliseconds ore.Col[int64]   `ore:"milliseconds"`
	Bytes        ore.Col[*int64]  `ore:"bytes"`
	UnitPrice    ore.Col[float64] `ore:"unit_price"`
}

var (
	Artist        = ore.NewTable[ArtistTable]("artist")
	Album         = ore.NewTable[AlbumTable]("album")
	Employee      = ore.NewTable[EmployeeTable]("employee")
	Customer      = ore.NewTable[CustomerTable]("customer")
	Genre         = ore.NewTable[GenreTable]("genre")
	MediaType     = ore.NewTable[MediaTypeTable]("media_type")
	Invoice       = ore.NewTable[InvoiceTable]("invoice")
	InvoiceLine   = ore.NewTable[InvoiceLineTable]("invoice_line")
	Playlist      = ore.NewTable[PlaylistTable]("playlist")
	PlaylistTrack = ore.NewTable[PlaylistTrackTable]("playlist_track")
	Track         = ore.NewTable[TrackTable]("track")
)
