package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// fileTable describes where one kind of file is stored, so ticket and
// change files are listed and opened by the same code.
type fileTable[T any] struct {
	table, parent, columns string // table, parent id column, the columns scan reads
	object                 string // audit object type; with spaces, it names the file in errors
	visibleParent          func(tx *Tx, id int64) error
	scan                   func(row scanner, extra ...any) (*T, error)
	// meta returns a file's parent id, whether it is public and its checksum.
	meta func(*T) (parentID int64, public bool, sha string)
}

// list returns a visible parent's files, oldest first; customers do not see
// internal ones.
func (f fileTable[T]) list(ctx context.Context, db *DB, parentID int64) ([]*T, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*T
	err := db.view(ctx, func(tx *Tx) error {
		if err := f.visibleParent(tx, parentID); err != nil {
			return err
		}
		q, args := `SELECT `+f.columns+` FROM `+f.table+` WHERE `+f.parent+` = ?`, []any{parentID}
		if a.IsCustomer() {
			q += ` AND public = ?`
			args = append(args, true)
		}
		var err error
		out, err = queryAll(tx, func(row scanner) (*T, error) { return f.scan(row) }, q+` ORDER BY id`, args...)
		return err
	})
	return out, err
}

// open returns a file the caller may see, with its content, after checking
// it against its recorded checksum. A file the caller may not see is
// ENOTFOUND, and the refusal is audited.
func (f fileTable[T]) open(ctx context.Context, db *DB, id int64) (*T, []byte, error) {
	a := itsm.ActorFromContext(ctx)
	name := strings.ReplaceAll(f.object, "_", " ")
	var at *T
	var data []byte
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		at, err = f.scan(tx.queryRow(`SELECT `+f.columns+`, data FROM `+f.table+` WHERE id = ?`, id), &data)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("file")
		} else if err != nil {
			return fmt.Errorf("open %s %d: %w", name, id, err)
		}
		parentID, public, _ := f.meta(at)
		if err := f.visibleParent(tx, parentID); err != nil || (a.IsCustomer() && !public) {
			return itsm.ErrNotFound("file")
		}
		return nil
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, f.object, strconv.FormatInt(id, 10), "file not visible to the caller")
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	_, _, want := f.meta(at)
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != want {
		return nil, nil, fmt.Errorf("%s %d: content does not match its recorded checksum", name, id)
	}
	return at, bytes.Clone(data), nil
}
