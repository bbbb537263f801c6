package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/minidms/minidms/dms"
)

// hasIdentity reports whether PostgreSQL can publish the table's updates
// and deletes.
func (t *tableInfo) hasIdentity() bool {
	return t.ident == "f" || t.ident == "i" || (t.ident == "d" && len(t.def.PrimaryKey) > 0)
}

// ensurePublication creates the publication with the selected tables, or
// adds the selected tables it lacks; it never removes any. Tables without a
// replica identity are left out with a warning.
func (s *Source) ensurePublication(ctx context.Context, conn *pgx.Conn, tables []*tableInfo) error {
	pub, err := s.publication()
	if err != nil {
		return err
	}
	var want []dms.TableID
	for _, t := range tables {
		if !t.hasIdentity() {
			s.log.Warn("table has no primary key and REPLICA IDENTITY is not FULL: its changes are not captured; add a primary key or run ALTER TABLE … REPLICA IDENTITY FULL",
				"table", t.def.ID().String())
			continue
		}
		want = append(want, t.def.ID())
	}
	if s.captureDdls() {
		want = append(want, dms.TableID{Schema: s.artifactsSchema(), Table: auditTable})
	}
	var all bool
	err = conn.QueryRow(ctx, "SELECT puballtables FROM pg_publication WHERE pubname = $1", pub).Scan(&all)
	if errors.Is(err, pgx.ErrNoRows) {
		q := "CREATE PUBLICATION " + pgx.Identifier{pub}.Sanitize()
		if len(want) > 0 {
			q += " FOR TABLE " + tableList(want)
		}
		if _, err := conn.Exec(ctx, q+" WITH (publish = 'insert, update, delete')"); err != nil {
			return fmt.Errorf("postgres source: create publication %s: %w", pub, err)
		}
		s.log.Info("publication created", "publication", pub, "tables", len(want))
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres source: read publication %s: %w", pub, err)
	}
	if all {
		return nil
	}
	rows, err := conn.Query(ctx, "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", pub)
	if err != nil {
		return fmt.Errorf("postgres source: read tables of publication %s: %w", pub, err)
	}
	have := map[dms.TableID]bool{}
	var id dms.TableID
	_, err = pgx.ForEachRow(rows, []any{&id.Schema, &id.Table}, func() error {
		have[id] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres source: read tables of publication %s: %w", pub, err)
	}
	var missing []dms.TableID
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := conn.Exec(ctx, "ALTER PUBLICATION "+pgx.Identifier{pub}.Sanitize()+" ADD TABLE "+tableList(missing)); err != nil {
		return fmt.Errorf("postgres source: add tables to publication %s: %w", pub, err)
	}
	return nil
}

func tableList(ids []dms.TableID) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = pgx.Identifier{id.Schema, id.Table}.Sanitize()
	}
	return strings.Join(out, ", ")
}
