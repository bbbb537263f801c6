package main

import (
	"math/rand/v2"
	"slices"
)

// generateChanges drives n row changes through apply, in transactions of 1
// to 100 rows: 60% inserts, 30% updates, 10% deletes, as the performance
// baselines did. A fixed seed makes every run, and every database, get the
// same sequence. apply returns how many rows the statement changed.
func generateChanges(n int, apply func(op string, ids []int64) (int64, error)) error {
	rng := rand.New(rand.NewPCG(1, 2))
	var live []int64 // ids present, for updates and deletes
	next := int64(1)
	var done int64
	for done < int64(n) {
		k := min(1+rng.IntN(100), n-int(done))
		var changed int64
		var err error
		switch p := rng.IntN(10); {
		case p < 6 || len(live) < k:
			ids := make([]int64, k)
			for i := range ids {
				ids[i] = next
				next++
			}
			live = append(live, ids...)
			changed, err = apply("insert", ids)
		case p < 9:
			at := rng.IntN(len(live) - k + 1)
			changed, err = apply("update", live[at:at+k])
		default:
			at := rng.IntN(len(live) - k + 1)
			ids := slices.Clone(live[at : at+k])
			live = slices.Delete(live, at, at+k)
			changed, err = apply("delete", ids)
		}
		if err != nil {
			return err
		}
		done += changed
	}
	return nil
}
