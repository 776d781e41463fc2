package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// blobChunkSize is the size of every stored chunk but a blob's last: about
// 1 MiB, small enough to hold one at a time and large enough that a 50 MB
// file is fifty rows.
const blobChunkSize = 1 << 20

// staleBlobAge is how old an incomplete blob (an upload that was
// interrupted by a crash) must be before an upload removes it.
const staleBlobAge = time.Hour

// blobInfo describes a blob just written.
type blobInfo struct {
	id     int64
	size   int64
	sha256 string
	head   []byte // the first bytes, for sniffing
	hasNUL bool   // whether any byte is 0 (never in text)
}

// writeBlob streams r into a new, incomplete blob, one chunk per short
// transaction, hashing as it goes, so that neither the file nor a write
// lock is held for the length of an upload. Past max bytes it stops with
// ETOOLARGE. On any failure it removes what it wrote; the caller removes
// the blob (deleteBlob) if what follows fails, and completes it in the
// transaction that records its owner (completeBlob).
func (db *DB) writeBlob(ctx context.Context, r io.Reader, max int64) (_ *blobInfo, err error) {
	db.removeStaleBlobs(ctx)
	info := &blobInfo{}
	if err := db.update(ctx, func(tx *Tx) (err error) {
		info.id, err = tx.insert(`INSERT INTO blobs (size, sha256, complete, created_at) VALUES (0, '', ?, ?)`, false, ts(tx.now))
		return err
	}); err != nil {
		return nil, fmt.Errorf("start blob: %w", err)
	}
	defer func() {
		if err != nil {
			db.deleteBlob(context.WithoutCancel(ctx), info.id)
		}
	}()
	h := sha256.New()
	buf := make([]byte, blobChunkSize)
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			chunk := buf[:n]
			if info.size+int64(n) > max {
				return nil, tooLargeError(max)
			}
			if seq == 0 {
				info.head = bytes.Clone(chunk[:min(n, 4096)])
			}
			info.hasNUL = info.hasNUL || bytes.IndexByte(chunk, 0) >= 0
			h.Write(chunk)
			info.size += int64(n)
			if err := db.update(ctx, func(tx *Tx) error {
				_, err := tx.exec(`INSERT INTO blob_chunks (blob_id, seq, data) VALUES (?, ?, ?)`, info.id, seq, chunk)
				return err
			}); err != nil {
				return nil, fmt.Errorf("store chunk %d of blob %d: %w", seq, info.id, err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		} else if rerr != nil {
			var mbe *http.MaxBytesError
			if errors.As(rerr, &mbe) {
				return nil, tooLargeError(max)
			}
			if e := (*itsm.Error)(nil); errors.As(rerr, &e) {
				return nil, e
			}
			return nil, fmt.Errorf("read upload: %w", rerr)
		}
	}
	info.sha256 = hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// tooLargeError is the sentence for a file over the limit.
func tooLargeError(max int64) error {
	msg := fmt.Sprintf("The file must be %s or smaller.", sizeLabel(max))
	return &itsm.Error{Code: itsm.ETOOLARGE, Message: msg, Fields: map[string]string{"file": msg}}
}

// sizeLabel writes a byte count as people read it: "50 MB", "512 KB".
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// completeBlob marks a blob as owned, with its size and digest, in the
// transaction that records its owner.
func (tx *Tx) completeBlob(b *blobInfo) error {
	if _, err := tx.exec(`UPDATE blobs SET size = ?, sha256 = ?, complete = ? WHERE id = ?`, b.size, b.sha256, true, b.id); err != nil {
		return fmt.Errorf("complete blob %d: %w", b.id, err)
	}
	return nil
}

// deleteBlob removes an incomplete blob and its chunks. A failure is
// logged by no one and harmless: removeStaleBlobs retries later.
func (db *DB) deleteBlob(ctx context.Context, id int64) {
	_ = db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM blob_chunks WHERE blob_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.exec(`DELETE FROM blobs WHERE id = ? AND complete = ?`, id, false)
		return err
	})
}

// removeStaleBlobs removes the chunks of uploads that a crash interrupted
// more than staleBlobAge ago.
func (db *DB) removeStaleBlobs(ctx context.Context) {
	var ids []int64
	_ = db.view(ctx, func(tx *Tx) (err error) {
		ids, err = queryAll(tx, func(s scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
			`SELECT id FROM blobs WHERE complete = ? AND created_at < ? LIMIT 20`, false, ts(tx.now.Add(-staleBlobAge)))
		return err
	})
	for _, id := range ids {
		db.deleteBlob(ctx, id)
	}
}

// blobReader streams a blob's chunks in order, one query and one chunk in
// memory at a time, and fails at the end if the content's SHA-256 is not
// the one recorded, so that a corrupted file is never passed off as good.
type blobReader struct {
	db     *DB
	ctx    context.Context
	id     int64
	size   int64
	want   string
	seq    int
	read   int64
	buf    []byte
	hash   hash.Hash
	closed bool
}

func (db *DB) openBlob(ctx context.Context, id, size int64, sha string) *blobReader {
	return &blobReader{db: db, ctx: ctx, id: id, size: size, want: sha, hash: sha256.New()}
}

// Read implements io.Reader.
func (b *blobReader) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errors.New("read a closed blob")
	}
	for len(b.buf) == 0 {
		if b.read >= b.size {
			if got := hex.EncodeToString(b.hash.Sum(nil)); got != b.want {
				return 0, fmt.Errorf("blob %d: SHA-256 %s, recorded %s", b.id, got, b.want)
			}
			return 0, io.EOF
		}
		var data []byte
		err := b.db.read.QueryRowContext(b.ctx, b.db.q(`SELECT data FROM blob_chunks WHERE blob_id = ? AND seq = ?`), b.id, b.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("blob %d: chunk %d is missing", b.id, b.seq)
		} else if err != nil {
			return 0, fmt.Errorf("read blob %d chunk %d: %w", b.id, b.seq, err)
		}
		if len(data) == 0 {
			return 0, fmt.Errorf("blob %d: chunk %d is empty", b.id, b.seq)
		}
		b.seq++
		b.read += int64(len(data))
		b.hash.Write(data)
		b.buf = data
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// Close implements io.Closer.
func (b *blobReader) Close() error {
	b.closed, b.buf = true, nil
	return nil
}

// blobReaderAt reads a blob at any offset, holding at most one chunk, for
// the readers that need random access: a zip's central directory and a
// PDF's cross-reference table.
type blobReaderAt struct {
	db    *DB
	ctx   context.Context
	id    int64
	size  int64
	seq   int64
	chunk []byte
}

// ReadAt implements io.ReaderAt.
func (b *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for n < len(p) {
		if off >= b.size {
			return n, io.EOF
		}
		seq := off / blobChunkSize
		if b.chunk == nil || seq != b.seq {
			var data []byte
			if err := b.db.read.QueryRowContext(b.ctx, b.db.q(`SELECT data FROM blob_chunks WHERE blob_id = ? AND seq = ?`), b.id, seq).Scan(&data); err != nil {
				return n, fmt.Errorf("read blob %d chunk %d: %w", b.id, seq, err)
			}
			b.chunk, b.seq = data, seq
		}
		in := int(off - seq*blobChunkSize)
		if in >= len(b.chunk) {
			return n, io.ErrUnexpectedEOF
		}
		c := copy(p[n:], b.chunk[in:])
		n += c
		off += int64(c)
	}
	return n, nil
}
