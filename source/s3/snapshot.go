package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minidms/minidms/dms"
)

// errStopLoad ends the load of a table early without failing it.
var errStopLoad = errors.New("stop load")

// Snapshot returns a view for full load. S3 has no transactions: the view
// reads the objects as they are when Load lists them. Its Position is the
// lexically last CDC file present now (see the package documentation).
func (s *Source) Snapshot(ctx context.Context) (dms.Snapshot, error) {
	snap := &snapshot{src: s}
	if s.cfg.CdcPath == "" {
		return snap, nil
	}
	last := ""
	err := s.list(ctx, s.prefix(s.cfg.CdcPath), func(o object) error {
		last = max(last, o.key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	snap.pos = position{key: last, all: true}.encode()
	return snap, nil
}

type snapshot struct {
	src *Source
	pos dms.Position
}

func (sn *snapshot) Position() dms.Position { return sn.pos }
func (sn *snapshot) Close() error           { return nil }

func (sn *snapshot) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	return sn.src.Tables(ctx, sel)
}

// Load reads every object under the table's path in lexical order. The
// first record that cannot be read as a row (an empty value in a column
// that is not nullable, a value of the wrong type, a wrong number of
// fields) ends the table's load: the rows before it are loaded, the rest of
// the table is not, and Load returns nil, as AWS DMS ends such a load
// without failing the task.
func (sn *snapshot) Load(ctx context.Context, def *dms.TableDef, emit func(dms.Row) error) error {
	s := sn.src
	t := s.byID[def.ID()]
	if t == nil {
		return fmt.Errorf("s3 source: table %s is not in the external table definition", def.ID())
	}
	err := s.list(ctx, s.prefix(t.path), func(o object) error {
		return sn.loadObject(ctx, t, o.key, emit)
	})
	if errors.Is(err, errStopLoad) {
		return nil
	}
	return err
}

func (sn *snapshot) loadObject(ctx context.Context, t *table, key string, emit func(dms.Row) error) error {
	s := sn.src
	out, found, err := s.open(ctx, key)
	if err != nil {
		return err
	}
	if !found {
		s.log.Warn("s3 source: full-load file disappeared before it was read", "table", t.def.ID(), "key", key)
		return nil
	}
	defer out.Body.Close()
	rr := newRecordReader(out.Body, &s.format)
	for {
		rec, err := rr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("s3 source: read s3://%s/%s: %w", s.cfg.BucketName, key, err)
		}
		if rr.n == 1 && s.cfg.IgnoreHeaderRows == 1 || rec.blank() {
			continue
		}
		row, err := sn.row(t, rec)
		if err != nil {
			s.log.Warn("s3 source: full load of table stopped at a record it cannot read",
				"table", t.def.ID(), "key", key, "record", rr.n, "reason", err)
			return errStopLoad
		}
		if err := emit(row); err != nil {
			return err
		}
	}
}

// row converts a full-load record. A record with one field more than the
// table's columns whose first field is "I" comes from a DMS S3 target,
// which writes the operation first; that field is dropped.
func (sn *snapshot) row(t *table, rec record) (dms.Row, error) {
	if rec.bad != "" {
		return nil, errors.New(rec.bad)
	}
	fields := rec.fields
	if len(fields) == len(t.cols)+1 && strings.EqualFold(fields[0].text, "I") {
		fields = fields[1:]
	}
	return t.row(fields, &sn.src.format)
}
