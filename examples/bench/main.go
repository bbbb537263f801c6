// Command bench measures minidms against the raw libraries it is built on,
// side by side on the same data in the same run, and prints one Markdown
// table: scenario, work size, minidms rate, baseline rate, ratio, latency
// where it applies, and peak RSS.
//
//	go run ./examples/bench                        # every scenario, default sizes
//	go run ./examples/bench -rows 100000 -changes 100000 -scenarios fullload,cdc
//	go run ./examples/bench -format json
//
// It uses the project's test environment (dms/dmstest/testenv.sh, started
// when MINIDMS_MYSQL_ADDR is not set). Every measurement runs in a child
// process of its own, so each peak RSS is that of one path alone: the
// engine's figure never includes the baseline's, nor the data set-up's.
//
// The engine's "memory" runs write to a counting sink that keeps nothing:
// target/memory keeps every record, which is what tests want and what a
// benchmark of a million rows must not measure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/minidms/minidms/examples/internal/testenv"
)

// options are the command's flags; children get them all again.
type options struct {
	rows            int
	smallRows       int
	changes         int
	scaleTasks      int
	scaleChanges    int
	latencyRate     int
	latencyDuration time.Duration
	scenarios       string
	format          string
	child           string
	childArg        string
	cpuProfile      string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.rows, "rows", 1_000_000, "rows of the full-load table")
	fs.IntVar(&o.smallRows, "small-rows", 100_000, "rows of the small full-load table (memory scenario)")
	fs.IntVar(&o.changes, "changes", 1_000_000, "row changes of the CDC scenario")
	fs.IntVar(&o.scaleTasks, "scale-tasks", 20, "concurrent CDC tasks of the scale scenario")
	fs.IntVar(&o.scaleChanges, "scale-changes", 50_000, "row changes each task of the scale scenario reads")
	fs.IntVar(&o.latencyRate, "latency-rate", 2000, "transactions per second of the latency scenario")
	fs.DurationVar(&o.latencyDuration, "latency-duration", 30*time.Second, "length of the latency scenario")
	fs.StringVar(&o.scenarios, "scenarios", "all", "comma-separated scenarios: "+strings.Join(scenarioNames(), ","))
	fs.StringVar(&o.format, "format", "markdown", "output: markdown or json")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write each measurement's CPU profile to this path prefix (PREFIX-<measurement>.pprof)")
	fs.StringVar(&o.child, "child", "", "internal: run one measurement and print it as JSON")
	fs.StringVar(&o.childArg, "child-arg", "", "internal: the measurement's data set")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.format != "markdown" && o.format != "json" {
		return o, fmt.Errorf("-format %q: want markdown or json", o.format)
	}
	return o, nil
}

func (o options) args() []string {
	return []string{
		fmt.Sprint("-rows=", o.rows), fmt.Sprint("-small-rows=", o.smallRows), fmt.Sprint("-changes=", o.changes),
		fmt.Sprint("-scale-tasks=", o.scaleTasks), fmt.Sprint("-scale-changes=", o.scaleChanges),
		fmt.Sprint("-latency-rate=", o.latencyRate), fmt.Sprint("-latency-duration=", o.latencyDuration),
		"-cpuprofile=" + o.cpuProfile,
	}
}

// measure is what one child reports.
type measure struct {
	Units   int64   `json:"units"`
	Seconds float64 `json:"seconds"`
	// P50 and P99 are latencies in milliseconds, where the path has them.
	P50 float64 `json:"p50_ms,omitempty"`
	P99 float64 `json:"p99_ms,omitempty"`
	// Note describes the work actually done when it differs from the plan
	// (a writer slower than the asked rate).
	Note  string  `json:"note,omitempty"`
	RSSMB float64 `json:"rss_mb"`
}

func (m measure) rate() float64 {
	if m.Seconds <= 0 {
		return 0
	}
	return float64(m.Units) / m.Seconds
}

// row is one line of the table.
type row struct {
	Scenario string   `json:"scenario"`
	Work     string   `json:"work"`
	Unit     string   `json:"unit"`
	MiniDMS  measure  `json:"minidms"`
	Baseline *measure `json:"baseline,omitempty"`
	Ratio    float64  `json:"ratio,omitempty"`
	RSSRatio bool     `json:"ratio_is_rss,omitempty"`
	Target   string   `json:"target"`
}

// measurement is a path measured in a child process.
type measurement func(ctx context.Context, o options, arg string) (measure, error)

// scenario prepares its data in the parent and names the measurements.
type scenario struct {
	name     string
	target   string
	prepare  func(ctx context.Context, o options) (work, arg string, err error)
	unit     string
	minidms  string // measurement names
	baseline string
	// rssRatio makes the ratio the baseline's peak RSS over minidms's: the
	// memory scenario compares one path at two table sizes.
	rssRatio bool
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	if err := testenv.Ensure(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if o.child != "" {
		err = runChild(ctx, o)
	} else {
		err = runAll(ctx, o, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func runChild(ctx context.Context, o options) error {
	m, ok := measurements()[o.child]
	if !ok {
		return fmt.Errorf("unknown measurement %q", o.child)
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile + "-" + o.child + ".pprof")
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := m(ctx, o, o.childArg)
	if err != nil {
		return fmt.Errorf("%s: %w", o.child, err)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios() {
		names = append(names, s.name)
	}
	return names
}

func runAll(ctx context.Context, o options, out io.Writer) error {
	want := map[string]bool{}
	if o.scenarios != "all" {
		for _, n := range strings.Split(o.scenarios, ",") {
			if !slices.Contains(scenarioNames(), n) {
				return fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(scenarioNames(), ", "))
			}
			want[n] = true
		}
	}
	var rows []row
	for _, s := range scenarios() {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s: preparing\n", s.name)
		work, arg, err := s.prepare(ctx, o)
		if err != nil {
			return fmt.Errorf("%s: prepare: %w", s.name, err)
		}
		r := row{Scenario: s.name, Work: work, Unit: s.unit, Target: s.target, RSSRatio: s.rssRatio}
		fmt.Fprintf(os.Stderr, "bench: %s: minidms\n", s.name)
		if r.MiniDMS, err = spawn(ctx, o, s.minidms, arg); err != nil {
			return err
		}
		if s.baseline != "" {
			fmt.Fprintf(os.Stderr, "bench: %s: baseline\n", s.name)
			b, err := spawn(ctx, o, s.baseline, arg)
			if err != nil {
				return err
			}
			r.Baseline = &b
			switch {
			case s.rssRatio && r.MiniDMS.RSSMB > 0:
				r.Ratio = b.RSSMB / r.MiniDMS.RSSMB
			case !s.rssRatio && b.rate() > 0:
				r.Ratio = r.MiniDMS.rate() / b.rate()
			}
		}
		if r.MiniDMS.Note != "" {
			r.Work += " (" + r.MiniDMS.Note + ")"
		}
		rows = append(rows, r)
	}
	if o.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printMarkdown(out, rows)
	return nil
}

// spawn runs one measurement in a child process and adds its peak RSS.
func spawn(ctx context.Context, o options, name, arg string) (measure, error) {
	exe, err := os.Executable()
	if err != nil {
		return measure{}, err
	}
	cmd := exec.CommandContext(ctx, exe, append(o.args(), "-child="+name, "-child-arg="+arg)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return measure{}, fmt.Errorf("measurement %s: %w", name, err)
	}
	var m measure
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		return measure{}, fmt.Errorf("measurement %s printed %q: %w", name, stdout.String(), err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return measure{}, errors.New("no rusage for the child process")
	}
	m.RSSMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	return m, nil
}

func printMarkdown(out io.Writer, rows []row) {
	fmt.Fprintln(out, "| scenario | work | minidms | baseline | ratio | p50 | p99 | peak RSS (minidms / baseline) | target |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		base, ratio, rss := "—", "—", fmt.Sprintf("%.0f MB", r.MiniDMS.RSSMB)
		if r.Baseline != nil {
			base = fmt.Sprintf("%s %s", human(r.Baseline.rate()), r.Unit)
			ratio = fmt.Sprintf("%.2f×", r.Ratio)
			if r.RSSRatio {
				ratio += " RSS"
			}
			rss += fmt.Sprintf(" / %.0f MB", r.Baseline.RSSMB)
		}
		lat := func(ms float64) string {
			if ms == 0 {
				return "—"
			}
			return fmt.Sprintf("%.1f ms", ms)
		}
		fmt.Fprintf(out, "| %s | %s | %s %s | %s | %s | %s | %s | %s | %s |\n",
			r.Scenario, r.Work, human(r.MiniDMS.rate()), r.Unit, base, ratio, lat(r.MiniDMS.P50), lat(r.MiniDMS.P99), rss, r.Target)
	}
}

// human prints a rate with a k or M suffix.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// timed runs f and returns how long it took in seconds.
func timed(f func() error) (float64, error) {
	start := time.Now()
	err := f()
	return time.Since(start).Seconds(), err
}
