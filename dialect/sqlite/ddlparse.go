package sqlite

import "strings"

// SQLite keeps the text of each CREATE statement in sqlite_schema, and its
// pragmas leave out what only that text says: constraint names, CHECK
// conditions, AUTOINCREMENT, the expressions and WHERE of an index, a
// view's query. The small parser here reads those from the text. It
// relies on SQLite having accepted the statement: it finds clauses by
// their keywords and balanced parentheses and never validates.

// tokKind is the kind of a token.
type tokKind uint8

const (
	tokWord   tokKind = iota // keyword, bare identifier or number
	tokIdent                 // "quoted", [bracketed] or `backquoted` identifier
	tokString                // 'string literal'
	tokPunct                 // one other character: ( ) , ; . operators
)

// token is one token of SQL text; src[pos:end] is its text.
type token struct {
	kind     tokKind
	pos, end int
}

// tokenize splits src into tokens, dropping white space and comments.
// Unterminated strings, quoted identifiers and comments run to the end of
// src.
func tokenize(src string) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			if n := strings.IndexByte(src[i:], '\n'); n >= 0 {
				i += n + 1
			} else {
				i = len(src)
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			if n := strings.Index(src[i+2:], "*/"); n >= 0 {
				i += 2 + n + 2
			} else {
				i = len(src)
			}
		case c == '\'':
			end := quotedEnd(src, i, '\'')
			toks = append(toks, token{tokString, i, end})
			i = end
		case c == '"' || c == '`':
			end := quotedEnd(src, i, c)
			toks = append(toks, token{tokIdent, i, end})
			i = end
		case c == '[':
			end := len(src)
			if n := strings.IndexByte(src[i:], ']'); n >= 0 {
				end = i + n + 1
			}
			toks = append(toks, token{tokIdent, i, end})
			i = end
		case isWordByte(c):
			end := i + 1
			for end < len(src) && isWordByte(src[end]) {
				end++
			}
			toks = append(toks, token{tokWord, i, end})
			i = end
		default:
			toks = append(toks, token{tokPunct, i, i + 1})
			i++
		}
	}
	return toks
}

// quotedEnd returns the end of the quoted token that starts at src[i] with
// quote q, where a doubled q stands for itself.
func quotedEnd(src string, i int, q byte) int {
	for j := i + 1; j < len(src); j++ {
		if src[j] == q {
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(src)
}

// isWordByte reports whether c may be part of a bare word. SQLite takes
// every byte of a multi-byte UTF-8 character as an identifier character.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c >= 0x80
}

// ddl is SQL text with its tokens.
type ddl struct {
	src  string
	toks []token
}

func newDDL(src string) *ddl { return &ddl{src: src, toks: tokenize(src)} }

func (d *ddl) text(t token) string { return d.src[t.pos:t.end] }

// between returns the source text after token i and before token j,
// comments included, trimmed of white space. Token j may be len(d.toks):
// the text then ends with the last token, without a comment after it.
func (d *ddl) between(i, j int) string {
	start, end := d.toks[i].end, d.toks[len(d.toks)-1].end
	if j < len(d.toks) {
		end = d.toks[j].pos
	}
	if end <= start {
		return ""
	}
	return strings.TrimSpace(d.src[start:end])
}

// isWord reports whether token i is the bare word kw (case-insensitive).
func (d *ddl) isWord(i int, kw string) bool {
	return i < len(d.toks) && d.toks[i].kind == tokWord && strings.EqualFold(d.text(d.toks[i]), kw)
}

// isPunct reports whether token i is the character c.
func (d *ddl) isPunct(i int, c byte) bool {
	return i < len(d.toks) && d.toks[i].kind == tokPunct && d.src[d.toks[i].pos] == c
}

// name returns the identifier token i stands for, unquoted; "" past the
// end. SQLite also accepts a string literal where a name is expected.
func (d *ddl) name(i int) string {
	if i >= len(d.toks) {
		return ""
	}
	return unquote(d.text(d.toks[i]))
}

// unquote returns the name a token's text stands for.
func unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	switch q := s[0]; q {
	case '"', '`', '\'':
		if s[len(s)-1] == q {
			return strings.ReplaceAll(s[1:len(s)-1], string([]byte{q, q}), string(q))
		}
	case '[':
		if s[len(s)-1] == ']' {
			return s[1 : len(s)-1]
		}
	}
	return s
}

// closing returns the index of the ")" that closes the "(" at token i, or
// len(d.toks) if it is never closed.
func (d *ddl) closing(i int) int {
	depth := 0
	for j := i; j < len(d.toks); j++ {
		switch {
		case d.isPunct(j, '('):
			depth++
		case d.isPunct(j, ')'):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(d.toks)
}

// split returns the [start, end) token ranges of the comma-separated items
// between tokens i and j, commas inside parentheses not counting.
func (d *ddl) split(i, j int) [][2]int {
	var items [][2]int
	start := i
	for k := i; k < j; k++ {
		switch {
		case d.isPunct(k, '('):
			k = d.closing(k)
		case d.isPunct(k, ','):
			items = append(items, [2]int{start, k})
			start = k + 1
		}
	}
	return append(items, [2]int{start, j})
}

// names returns the leading name of each item of the parenthesized list
// that opens at token i (the column of "x COLLATE nocase DESC"), and the
// index after its ")".
func (d *ddl) names(i int) ([]string, int) {
	if !d.isPunct(i, '(') {
		return nil, i
	}
	end := d.closing(i)
	var names []string
	for _, it := range d.split(i+1, end) {
		if it[0] < it[1] {
			names = append(names, d.name(it[0]))
		}
	}
	return names, end + 1
}

// ----------------------------------------------------------------------------
// CREATE TABLE

// tableDDL is what a CREATE TABLE says that SQLite's pragmas do not.
type tableDDL struct {
	pkName        string
	autoincrement bool // some column is INTEGER PRIMARY KEY AUTOINCREMENT
	uniques       []namedCols
	foreignKeys   []fkDDL
	checks        []checkDDL
}

// namedCols is a constraint's name ("" if unnamed) and columns.
type namedCols struct {
	name    string
	columns []string
}

type fkDDL struct {
	namedCols
	refTable string
}

type checkDDL struct {
	name, expr string
}

// parseCreateTable reads the constraints of a CREATE TABLE statement. A
// CREATE TABLE ... AS SELECT or CREATE VIRTUAL TABLE declares none.
func parseCreateTable(src string) tableDDL {
	d := newDDL(src)
	var t tableDDL
	open := -1
	for i := range d.toks {
		if d.isWord(i, "AS") || d.isWord(i, "VIRTUAL") {
			return t
		}
		if d.isPunct(i, '(') {
			open = i
			break
		}
	}
	if open < 0 {
		return t
	}
	for i := range d.toks {
		// AUTOINCREMENT is a reserved word: bare, it can only be the
		// clause, which SQLite allows on one INTEGER PRIMARY KEY column.
		if d.isWord(i, "AUTOINCREMENT") {
			t.autoincrement = true
		}
	}
	name, afterColumn := "", false
	for _, it := range d.split(open+1, d.closing(open)) {
		if it[0] == it[1] {
			continue
		}
		// A table constraint starts with a reserved word, which cannot be
		// a bare column name.
		column := ""
		start := it[0]
		if !d.isWord(start, "CONSTRAINT") && !d.isWord(start, "PRIMARY") && !d.isWord(start, "UNIQUE") &&
			!d.isWord(start, "CHECK") && !d.isWord(start, "FOREIGN") {
			column = d.name(start)
			start++
		}
		// SQLite forgets the constraint name in force at each column and
		// at each comma between table constraints, but not at the comma
		// between the last column and the first table constraint.
		if column != "" || !afterColumn {
			name = ""
		}
		name = d.constraints(&t, column, name, start, it[1])
		afterColumn = column != ""
	}
	return t
}

// constraints reads the constraints in tokens [i, end): a column's (after
// its name; the type is skipped) if column is set, else table constraints,
// which SQLite lets follow each other without commas. It returns the
// constraint name in force at the end.
//
// As in SQLite, a CONSTRAINT name stays in force until the next one: it
// names every constraint after it, not only the first. SQLite's errors
// report a CHECK constraint by that name; the names of other constraints
// follow the same rule here, though SQLite keeps none.
func (d *ddl) constraints(t *tableDDL, column, name string, i, end int) string {
	for i < end {
		switch {
		case d.isPunct(i, '('):
			// A type's size, a DEFAULT or GENERATED expression, a
			// REFERENCES column list.
			i = d.closing(i) + 1
		case d.isWord(i, "CONSTRAINT"):
			name = d.name(i + 1)
			i += 2
		case d.isWord(i, "PRIMARY"):
			t.pkName = name
			i += 2 // PRIMARY KEY; a table constraint's list is skipped above
		case d.isWord(i, "UNIQUE"):
			u := namedCols{name: name, columns: []string{column}}
			i++
			if column == "" {
				u.columns, i = d.names(i)
			}
			t.uniques = append(t.uniques, u)
		case d.isWord(i, "CHECK"):
			c := checkDDL{name: name}
			i++
			if d.isPunct(i, '(') {
				close := d.closing(i)
				c.expr = d.between(i, min(close, end))
				i = close + 1
			}
			t.checks = append(t.checks, c)
		case d.isWord(i, "FOREIGN"):
			fk := fkDDL{namedCols: namedCols{name: name}}
			fk.columns, i = d.names(i + 2) // FOREIGN KEY (
			if d.isWord(i, "REFERENCES") {
				fk.refTable = d.name(i + 1)
				i += 2
			}
			t.foreignKeys = append(t.foreignKeys, fk)
		case d.isWord(i, "REFERENCES"):
			t.foreignKeys = append(t.foreignKeys, fkDDL{
				namedCols: namedCols{name: name, columns: []string{column}},
				refTable:  d.name(i + 1),
			})
			i += 2
		default:
			i++
		}
	}
	return name
}

// isVirtualTable reports whether src is a CREATE VIRTUAL TABLE.
func isVirtualTable(src string) bool {
	d := newDDL(src)
	return d.isWord(0, "CREATE") && d.isWord(1, "VIRTUAL")
}

// ----------------------------------------------------------------------------
// CREATE INDEX, CREATE VIEW

// parseCreateIndex returns the text of each key of a CREATE INDEX (without
// ASC or DESC) and of its WHERE condition, or ok false if src has no key
// list.
func parseCreateIndex(src string) (keys []string, where string, ok bool) {
	d := newDDL(src)
	on := -1
	for i := range d.toks {
		if d.isWord(i, "ON") {
			on = i
			break
		}
	}
	if on < 0 {
		return nil, "", false
	}
	open := on + 1
	for open < len(d.toks) && !d.isPunct(open, '(') {
		open++ // the table's name
	}
	if open == len(d.toks) {
		return nil, "", false
	}
	close := d.closing(open)
	for _, it := range d.split(open+1, close) {
		end := it[1]
		if end > it[0]+1 && (d.isWord(end-1, "ASC") || d.isWord(end-1, "DESC")) {
			end--
		}
		keys = append(keys, d.between(it[0]-1, end))
	}
	if i := close + 1; d.isWord(i, "WHERE") {
		where = d.between(i, d.trimSemicolons(len(d.toks)))
	}
	return keys, where, true
}

// parseCreateView returns the query of a CREATE VIEW: the text after its
// AS.
func parseCreateView(src string) string {
	d := newDDL(src)
	for i := 0; i < len(d.toks); i++ {
		switch {
		case d.isPunct(i, '('):
			i = d.closing(i) // the view's column names
		case d.isWord(i, "AS"):
			return d.between(i, d.trimSemicolons(len(d.toks)))
		}
	}
	return ""
}

// trimSemicolons returns end moved back over trailing ";" tokens.
func (d *ddl) trimSemicolons(end int) int {
	for end > 0 && d.isPunct(end-1, ';') {
		end--
	}
	return end
}
