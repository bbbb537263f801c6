// Package memory is a dms.Target that keeps every change in memory, in the
// order the engine wrote it, for tests and examples.
//
// Tests wait for what they expect with WaitFor (on a condition with a
// deadline, never a sleep) and check end states with TableState, which
// replays the stream by primary key and reports duplicated and lost changes.
package memory
