package index

import "github.com/sohoa/sohoa/storage"

// migrations of component "index". Both engines keep the original page text
// in search_pages and index the folded words (indexText) beside it: an FTS5
// contentless table keyed by search_pages.id on SQLite (unicode61 only
// splits words: the text is folded already, đ included, which
// remove_diacritics would miss), a 'simple' tsvector with a GIN index on
// PostgreSQL.
var migrations = []storage.Migration{
	{
		Version: 1,
		Name:    "search pages",
		SQL: map[storage.Dialect]string{
			storage.SQLite: `
CREATE TABLE search_pages (
	id            INTEGER PRIMARY KEY,
	result_code   TEXT NOT NULL,
	page          INTEGER NOT NULL,
	dossier_code  TEXT NOT NULL,
	agency_code   TEXT NOT NULL,
	title         TEXT NOT NULL,
	document_type TEXT NOT NULL,
	date          INTEGER, -- Unix seconds, UTC
	text          TEXT NOT NULL,
	UNIQUE (result_code, page)
);
CREATE INDEX search_pages_dossier ON search_pages (dossier_code);
CREATE INDEX search_pages_agency_date ON search_pages (agency_code, date);
-- meta holds filter tokens (see metaTokens), so a filter narrows the
-- match inside FTS5 instead of checking every match against search_pages.
CREATE VIRTUAL TABLE search_fts USING fts5 (
	words, meta, content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 0',
	prefix = '2 3' -- prefix queries (chứng nh*) read one index entry
);`,
			storage.Postgres: `
CREATE TABLE search_pages (
	id            BIGSERIAL PRIMARY KEY,
	result_code   TEXT NOT NULL,
	page          INTEGER NOT NULL,
	dossier_code  TEXT NOT NULL,
	agency_code   TEXT NOT NULL,
	title         TEXT NOT NULL,
	document_type TEXT NOT NULL,
	date          TIMESTAMPTZ,
	text          TEXT NOT NULL,
	words         TSVECTOR NOT NULL,
	UNIQUE (result_code, page)
);
CREATE INDEX search_pages_words ON search_pages USING GIN (words);
CREATE INDEX search_pages_dossier ON search_pages (dossier_code);
CREATE INDEX search_pages_agency_date ON search_pages (agency_code, date);`,
		},
	},
	{
		Version: 2,
		Name:    "search ranking: exact forms, title, codes",
		// The index is derived from the stored OCR results: the new
		// columns are filled by indexing again (sohoa reindex); until
		// then the pages indexed before are not found.
		SQL: map[storage.Dialect]string{
			storage.SQLite: `
DROP TABLE search_fts;
DELETE FROM search_pages;
-- words: folded body words; exact: the marked words of body and title as
-- written (NFC, lower case; see exactWords); title: folded title and
-- document type; codes: dossier and result code and the code-like tokens
-- of the text (see codeTokens); meta: filter tokens (see metaTokens).
CREATE VIRTUAL TABLE search_fts USING fts5 (
	words, exact, title, codes, meta, content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 0',
	prefix = '2' -- 2-letter prefixes read one entry; longer ones walk their few words
);`,
			storage.Postgres: `
DELETE FROM search_pages;`,
		},
	},
	{
		Version: 3,
		Name:    "search slices",
		// The GIN index holds each page's slice lexeme beside its words
		// (see slicedWords), so the newest matches of a common word are
		// read without its whole posting list. Built in the migration's
		// transaction: writes to search_pages wait for it (about 10
		// minutes at 1M pages); searches go on with the old index.
		// IF NOT EXISTS: an installation may build it beforehand, with
		// CREATE INDEX CONCURRENTLY, to keep indexing going meanwhile.
		SQL: map[storage.Dialect]string{
			storage.SQLite: `SELECT 1`,
			storage.Postgres: `
SET LOCAL maintenance_work_mem = '256MB';
` + sliceIndex + `;
DROP INDEX IF EXISTS search_pages_words;`,
		},
	},
}

// sliceIndex creates the GIN index of the words and slice of each page
// (see slicedWords: the expression must read the same).
const sliceIndex = `CREATE INDEX IF NOT EXISTS search_pages_words_slice ON search_pages
	USING GIN ((words || array_to_tsvector(ARRAY['@' || (id >> 12)::text])))`
