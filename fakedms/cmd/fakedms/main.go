// Command fakedms serves the fake AWS DMS API, with the built-in Kinesis
// and S3 on the same endpoint, for clients outside Go: the AWS CLI, boto3, the
// JavaScript SDK, Terraform. It replicates from MySQL, MariaDB, Aurora
// MySQL, PostgreSQL and Aurora PostgreSQL endpoints (fakedms/mysqlengine,
// fakedms/postgresengine) and from CSV files in S3.
//
//	go run ./fakedms/cmd/fakedms -addr 127.0.0.1:4566
//	aws dms describe-account-attributes --endpoint-url http://127.0.0.1:4566
//
// Flags:
//
//	-addr              listen address (default 127.0.0.1:4566; port 0 picks a free one)
//	-region            region of ARNs (default us-east-1)
//	-account           account id of ARNs (default 000000000000)
//	-kinesis-endpoint  write Kinesis targets to this Kinesis API instead of the built-in one
//	-s3-endpoint       read S3 sources from this S3 API (path-style) instead of the built-in one
//	-state-delay       how long resources stay creating, deleting, modifying (default 0)
//	-data-dir          keep the resources and task checkpoints in this directory and load
//	                   them at start (default: in memory only; see fakedms.WithDataDir)
//	-require-signature reject requests not SigV4-signed with AWS_ACCESS_KEY_ID /
//	                   AWS_SECRET_ACCESS_KEY, or with a pair of -credentials ID:SECRET[,...]
//
// It listens on 127.0.0.1 unless -addr names another address, and warns
// when it does: whoever reaches the server can make it connect to
// databases.
//
// Each call is logged to stderr (log/slog, text). SIGINT or SIGTERM stops
// the replication tasks and the server.
//
// Like LocalStack, the server reads DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME
// (seconds spent in each serverless provisioning status, default 0:
// fakedms.WithServerlessStateDelay) and DMS_SERVERLESS_DEPROVISIONING_DELAY
// (seconds from a serverless replication's stop to its deprovisioning,
// default 60: fakedms.WithDeprovisioningDelay).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/mysqlengine"
	"github.com/minidms/minidms/fakedms/postgresengine"
)

func main() {
	if err := run(os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "fakedms:", err)
		os.Exit(1)
	}
}

// serverless holds LocalStack's serverless timing variables.
type serverless struct {
	statusChangeWait, deprovisioningDelay time.Duration
}

func serverlessFromEnv(getenv func(string) string) (serverless, error) {
	s := serverless{deprovisioningDelay: 60 * time.Second}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{"DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME", &s.statusChangeWait},
		{"DMS_SERVERLESS_DEPROVISIONING_DELAY", &s.deprovisioningDelay},
	} {
		text := getenv(v.name)
		if text == "" {
			continue
		}
		sec, err := strconv.ParseFloat(text, 64)
		if err != nil || sec < 0 {
			return s, fmt.Errorf("%s=%q: want a non-negative number of seconds", v.name, text)
		}
		*v.dst = time.Duration(sec * float64(time.Second))
	}
	return s, nil
}

// options are the server options the variables stand for.
func (s serverless) options() []fakedms.Option {
	return []fakedms.Option{fakedms.WithServerlessStateDelay(s.statusChangeWait), fakedms.WithDeprovisioningDelay(s.deprovisioningDelay)}
}

func run(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("fakedms", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address")
	region := fs.String("region", "us-east-1", "region of ARNs")
	account := fs.String("account", "000000000000", "account id of ARNs")
	kinesisEndpoint := fs.String("kinesis-endpoint", "", "external Kinesis endpoint for Kinesis targets (default: the built-in Kinesis)")
	s3Endpoint := fs.String("s3-endpoint", "", "external S3 endpoint for S3 sources, path-style (default: the built-in S3)")
	stateDelay := fs.Duration("state-delay", 0, "how long resources stay in transitional states")
	requireSig := fs.Bool("require-signature", false, "reject requests not SigV4-signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or -credentials)")
	creds := fs.String("credentials", "", "with -require-signature: accepted key pairs, ID:SECRET[,ID:SECRET...]")
	dataDir := fs.String("data-dir", "", "keep resources and task checkpoints in this directory (default: in memory only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	keys, err := signingKeys(*requireSig, *creds, getenv)
	if err != nil {
		return err
	}
	sl, err := serverlessFromEnv(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := []fakedms.Option{
		fakedms.WithRegion(*region), fakedms.WithAccount(*account),
		fakedms.WithLogger(log), fakedms.WithStateDelay(*stateDelay),
		fakedms.WithSourceEngine(mysqlengine.Source()), fakedms.WithSourceEngine(postgresengine.Source()),
	}
	opts = append(opts, sl.options()...)
	for _, k := range keys {
		opts = append(opts, fakedms.WithCredentials(k[0], k[1]))
	}
	if *kinesisEndpoint != "" {
		opts = append(opts, fakedms.WithKinesisEndpoint(*kinesisEndpoint))
	}
	if *s3Endpoint != "" {
		opts = append(opts, fakedms.WithS3Endpoint(*s3Endpoint))
	}
	if *dataDir != "" {
		opts = append(opts, fakedms.WithDataDir(*dataDir))
	}
	h, err := fakedms.Open(opts...)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "fakedms: ")) // main says fakedms:
	}
	defer h.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	if !loopback(ln.Addr()) {
		log.Warn("fakedms listens beyond this machine: anyone who reaches it can create tasks that connect to your databases", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	kinesis := "built-in"
	if *kinesisEndpoint != "" {
		kinesis = *kinesisEndpoint
	}
	s3 := "built-in"
	if *s3Endpoint != "" {
		s3 = *s3Endpoint
	}
	log.Info("fakedms listening", "url", "http://"+ln.Addr().String(), "browser", "http://"+ln.Addr().String()+"/_minidms/", "region", *region, "account", *account, "kinesis", kinesis, "s3", s3, "data_dir", *dataDir,
		"serverless_status_change_wait", sl.statusChangeWait, "serverless_deprovisioning_delay", sl.deprovisioningDelay)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("fakedms stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := h.Close(); err != nil {
		return err
	}
	log.Info("fakedms stopped")
	return nil
}

// signingKeys returns the key pairs -require-signature accepts: -credentials,
// or else the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables.
func signingKeys(require bool, list string, getenv func(string) string) ([][2]string, error) {
	if !require {
		if list != "" {
			return nil, errors.New("-credentials needs -require-signature")
		}
		return nil, nil
	}
	var keys [][2]string
	if list != "" {
		for _, pair := range strings.Split(list, ",") {
			id, secret, ok := strings.Cut(pair, ":")
			if !ok || id == "" || secret == "" {
				return nil, fmt.Errorf("-credentials: %q is not ID:SECRET", pair)
			}
			keys = append(keys, [2]string{id, secret})
		}
		return keys, nil
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, errors.New("-require-signature needs -credentials or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return [][2]string{{id, secret}}, nil
}

// loopback reports whether addr is on 127.0.0.0/8 or ::1.
func loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
